import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request, withApp } from '../helpers/http.js'

/** Runs fn with console.error captured. */
async function captured(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = []
  const original = console.error
  console.error = (...args: unknown[]) => { lines.push(args.map(String).join(' ')) }
  try {
    await fn()
  } finally {
    console.error = original
  }
  return lines
}

// Regression (issue 9, defect 19): the default log escaped \n but not \r,
// let ANSI escapes through, wrote non-Error throws as [object Object], and
// dropped the stack and the cause.
test('the default error log writes one escaped line per error, with stack, code and cause', async () => {
  const lines = await captured(() => withApp((app) => {
    app.get('/forge', () => {
      throw new Error('bad\r\ngriddle: error on GET /admin: forged \u001b[31mred\u001b[0m', { cause: new Error('the root cause') })
    })
    app.get('/object', () => { throw { reason: 'not an Error', detail: 42 } })
    app.get('/coded', async () => { throw Object.assign(new Error('with a code'), { code: 'E_APP' }) })
  }, async (port) => {
    for (const path of ['/forge', '/object', '/coded']) assert.equal((await request(port, path)).status, 500)
  }))
  assert.equal(lines.length, 3)
  for (const line of lines) {
    assert.doesNotMatch(line, /[\r\n\u001b]/)
    assert.match(line, /^griddle: error on GET \//)
  }
  const [forge, object, coded] = lines as [string, string, string]
  assert.match(forge, /bad\\r\\ngriddle: error on GET \/admin: forged \\u001b\[31mred/)
  assert.match(forge, /\\n +at /, 'the stack is there')
  assert.match(forge, /the root cause/)
  assert.match(object, /reason: 'not an Error'/)
  assert.match(object, /detail: 42/)
  assert.doesNotMatch(object, /\[object Object\]/)
  assert.match(coded, /code: 'E_APP'/)
})

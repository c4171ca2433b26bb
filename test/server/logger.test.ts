import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { createApp } from 'griddle'
import { request, sleep } from '../helpers/http.js'
import { udpPort } from '../helpers/statsd-daemon.js'

interface Line { level: number, msg: string, [k: string]: unknown }

/** A pino instance writing into an array of parsed lines. */
function capture(): { logger: ReturnType<typeof pino>, lines: Line[] } {
  const lines: Line[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.length > 0) lines.push(JSON.parse(l) as Line)
      done()
    },
  })
  return { logger: pino({ level: 'info' }, stream), lines }
}

test('a pino logger gets 5xx errors with route, status, code, request id and stack, rate-limited with a summary line', async () => {
  const { logger, lines } = capture()
  const app = createApp({ logger, logRateLimit: { burst: 3, intervalMs: 300 } })
  app.get('/boom/:id', () => { throw Object.assign(new Error('the store is down'), { code: 'E_STORE', statusCode: 503 }) })
  app.get('/ok', () => 'ok')
  const { port } = await app.listen(0)
  try {
    assert.ok(lines.some((l) => l.msg === 'listening' && l.port === port))
    for (let i = 0; i < 20; i++) {
      assert.equal((await request(port, `/boom/${i}`, { headers: { 'x-request-id': `req-${i}` } })).status, 503)
    }
    for (let i = 0; i < 5; i++) await request(port, '/ok')
    const failed = lines.filter((l) => l.msg === 'request failed')
    assert.equal(failed.length, 3, 'the first burst only')
    const first = failed[0]!
    assert.equal(first.level, 50)
    assert.equal(first.route, '/boom/:id')
    assert.equal(first.status, 503)
    assert.equal(first.code, 'E_STORE')
    assert.equal(first.reqId, 'req-0')
    assert.match(String((first.err as { stack?: string }).stack), /the store is down/)
    let summary: Line | undefined
    for (let i = 0; i < 100 && summary === undefined; i++) {
      summary = lines.find((l) => l.suppressed !== undefined)
      if (summary === undefined) await sleep(20)
    }
    assert.ok(summary, 'a summary line after the interval')
    assert.equal(summary.suppressed, 17)
    assert.equal(summary.level, 50)
    assert.ok(!lines.some((l) => l.path === '/ok'), 'no line for requests that did not fail')
  } finally {
    await app.close()
  }
  assert.ok(lines.some((l) => l.msg === 'closing'))
})

test('StatsD send errors are counted and logged, rate-limited', async () => {
  const { logger, lines } = capture()
  const app = createApp({ logger, logRateLimit: { burst: 2, intervalMs: 60_000 }, statsd: { port: await udpPort(), intervalMs: 10 } })
  app.get('/ok', () => 'ok')
  const { port } = await app.listen(0)
  try {
    await request(port, '/ok')
    const warned = () => lines.filter((l) => l.msg === 'statsd send failed')
    for (let i = 0; i < 200 && warned().length < 2; i++) await sleep(10)
    await sleep(100)  // more errors happen; they stay suppressed
    assert.equal(warned().length, 2)
    assert.equal(warned()[0]!.level, 40)
    assert.match(String(warned()[0]!.detail), /ECONNREFUSED/)
  } finally {
    await app.close()
  }
})

test('logger options are checked with coded errors; logger: false still answers errors', async () => {
  for (const options of [{ logger: 'yes' }, { logger: null }, { logger: [] }, { logRateLimit: { burst: 0 } }]) {
    assert.throws(() => createApp(options as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' }, JSON.stringify(options))
  }
  assert.throws(() => createApp({ logRateLimit: { every: 1 } as never }), { code: 'GRIDDLE_ERR_UNKNOWN_OPTION' })
  assert.throws(() => createApp({ logger: { level: 'loud' } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  const app = createApp({ logger: false })
  app.get('/boom', () => { throw new Error('quiet') })
  const { port } = await app.listen(0)
  try {
    assert.equal((await request(port, '/boom')).status, 500)
  } finally {
    await app.close()
  }
})

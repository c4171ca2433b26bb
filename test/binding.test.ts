import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { loadBinding, native } from '../lib/binding.js'

test('the addon loads and reports its Node-API version', () => {
  assert.equal(native.napiVersion, 8)
  assert.equal(typeof native.noop, 'function')
})

test('the sanitizer run really loads the sanitized build', { skip: process.env.GRIDDLE_EXPECT_SANITIZED !== '1' }, () => {
  assert.equal(native.sanitized, true)
})

test('a failed load names the Node version, ABI, every path tried and the fix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'griddle-'))
  const bogus = join(dir, 'bogus.node')
  writeFileSync(bogus, 'not a shared object')
  const missing = join(dir, 'missing.node')
  assert.throws(() => loadBinding([bogus, missing]), (err: Error & { code?: string, cause?: Error & { cause?: Error } }) => {
    assert.equal(err.code, 'GRIDDLE_ERR_ADDON_LOAD')
    assert.match(err.message, new RegExp(`Node ${process.version.replace(/\./g, '\\.')}`))
    assert.match(err.message, new RegExp(`ABI ${process.versions.modules}`))
    assert.ok(err.message.includes(bogus) && err.message.includes(missing))
    assert.match(err.message, /npm rebuild griddle/)
    assert.match(err.cause!.message, /attempt 1: .*bogus\.node/)
    assert.match(err.cause!.cause!.message, /attempt 2: .*missing\.node/)
    return true
  })
})

test('GRIDDLE_ADDON pointing nowhere makes importing griddle fail with the coded error', () => {
  const r = spawnSync(process.execPath, ['-e', "import('griddle').catch(e => { console.log(e.code); process.exit(3) })"], {
    env: { ...process.env, GRIDDLE_ADDON: '/nonexistent/griddle.node' },
    encoding: 'utf8',
  })
  assert.equal(r.status, 3)
  assert.equal(r.stdout.trim(), 'GRIDDLE_ERR_ADDON_LOAD')
})

test('native calls refuse forged handles and wrong argument types with TypeErrors', () => {
  const out = new Int32Array(new ArrayBuffer(native.ROUTER.OUT_LENGTH * 4))
  const lookup = native.routerCreate(0, 100, out)
  const forged = (() => 0) as unknown as typeof lookup
  assert.throws(() => native.routerInsert(forged, 0, ['s/a'], 0), { name: 'TypeError', code: 'GRIDDLE_ERR_INVALID_HANDLE' })
  assert.throws(() => native.routerInsert({} as typeof lookup, 0, ['s/a'], 0), { code: 'GRIDDLE_ERR_INVALID_HANDLE' })
  assert.throws(() => native.routerCreate(0, 100, new Int32Array(2)), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => native.routerCreate(0, 100, new Float64Array(80) as unknown as Int32Array), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => native.routerInsert(lookup, 0, ['x/a'], 0), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => native.routerInsert(lookup, 0, 'nope' as unknown as string[], 0), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => lookup(7 as unknown as string), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.equal(native.routerInsert(lookup, 0, ['s/a'], 0), 0)
  out[0] = 0
  lookup('/a')
  assert.equal(out[1], 0)
  out[0] = -1
  lookup('/a')
  assert.equal(out[1], -1)
  out[0] = 5
  lookup('/a')
  assert.equal(out[1], -1)
})

test('routers are freed by the garbage collector without leaking native memory', () => {
  const script = `
    const { Router } = await import('griddle')
    const rss = () => process.memoryUsage().rss
    const churn = () => { for (let i = 0; i < 2000; i++) { const r = new Router(); for (let k = 0; k < 50; k++) r.add('GET', '/a' + k + '/:x/' + 'y'.repeat(50), k); r.find('GET', '/a1/z/' + 'y'.repeat(50)) } }
    churn(); globalThis.gc(); await new Promise(r => setTimeout(r, 50)); globalThis.gc()
    const before = rss()
    for (let round = 0; round < 5; round++) { churn(); globalThis.gc(); await new Promise(r => setTimeout(r, 20)) }
    globalThis.gc()
    console.log(Math.round((rss() - before) / 1048576))`
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  // 10,000 routers of 50 routes each would hold hundreds of MB if leaked.
  assert.ok(Number(r.stdout) < 60, `RSS grew by ${r.stdout.trim()} MB`)
})

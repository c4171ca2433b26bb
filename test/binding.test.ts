import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './helpers/temp.js'
import { candidatePaths, loadBinding, native } from '../lib/binding.js'
import { CACHE_OPEN_STATUS, CACHE_STATUS, INSERT, LOOKUP } from '../lib/errors.js'

test('the addon loads and reports its Node-API version', () => {
  assert.equal(native.napiVersion, 8)
  assert.equal(typeof native.noop, 'function')
})

test('the sanitizer run really loads the sanitized build', { skip: process.env.GRIDDLE_EXPECT_SANITIZED !== '1' }, () => {
  assert.equal(native.sanitized, true)
})

test('a failed load names the Node version, ABI, every path tried and the fix', (t) => {
  const dir = tempDir((fn) => t.after(fn), 'griddle-')
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

test('without build/, the prebuilt binary under prebuilds/ is found through node-gyp-build and loads', (t) => {
  // The layout of the npm tarball: no build/ folder, prebuilds/<platform>-<arch>/griddle.glibc.node.
  const root = tempDir((fn) => t.after(fn), 'griddle-pkg-')
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'griddle', version: '0.0.0' }))
  const folder = join(root, 'prebuilds', `${process.platform}-${process.arch}`)
  const env = { GRIDDLE_ADDON: '' }
  assert.equal(candidatePaths(env, root).at(-1), folder)
  assert.throws(() => loadBinding(candidatePaths(env, root)), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'GRIDDLE_ERR_ADDON_LOAD')
    assert.ok(err.message.includes(folder), err.message)
    return true
  })
  mkdirSync(folder, { recursive: true })
  copyFileSync(candidatePaths({}).find((p) => existsSync(p) && p.endsWith('.node'))!, join(folder, 'griddle.glibc.node'))
  const paths = candidatePaths(env, root)
  assert.equal(paths.at(-1), join(folder, 'griddle.glibc.node'))
  const loaded = loadBinding(paths)
  assert.equal(loaded.napiVersion, 8)
  assert.equal(typeof loaded.dispatchCreate, 'function')
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
  // Under AddressSanitizer freed memory waits in a quarantine (256 MB by default) before it can be reused,
  // which RSS cannot tell from a leak: this child measures with the quarantine off.
  const env = native.sanitized ? { ...process.env, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ''}:quarantine_size_mb=0` } : process.env
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', env })
  assert.equal(r.status, 0, r.stderr)
  // 10,000 routers of 50 routes each would hold hundreds of MB if leaked.
  assert.ok(Number(r.stdout) < 60, `RSS grew by ${r.stdout.trim()} MB`)
})

test('the status codes TypeScript names as literals are the ones native exports', () => {
  const R = native.ROUTER
  assert.deepEqual(LOOKUP, {
    NOT_FOUND: R.LOOKUP_NOT_FOUND, BAD_URL: R.LOOKUP_BAD_URL, NOT_ORIGIN: R.LOOKUP_NOT_ORIGIN, PARAM_TOO_LONG: R.LOOKUP_PARAM_TOO_LONG,
  })
  assert.deepEqual(INSERT, { OK: R.INSERT_OK, CONFLICT: R.INSERT_CONFLICT, BAD_PARTS: R.INSERT_BAD_PARTS })
  const C = native.CACHE
  assert.deepEqual(CACHE_STATUS, { MISS: C.GET_MISS, TOO_SMALL: C.GET_TOO_SMALL, CLOSED: C.GET_CLOSED })
  assert.deepEqual(CACHE_OPEN_STATUS, { CONFLICT: C.ACQUIRE_CONFLICT, BAD_SIZE: C.ACQUIRE_BAD_SIZE })
  // Getting and opening are told apart: no code of one means something else in the other.
  assert.equal(new Set(Object.values(CACHE_STATUS)).size, Object.keys(CACHE_STATUS).length)
})

test('each native module exports its own layout, every slot inside its array', () => {
  const R = native.ROUTER
  for (const slot of [R.OUT_METHOD, R.OUT_ROUTE, R.OUT_FLAGS, R.OUT_COUNT]) assert.ok(slot >= 0 && slot < R.OUT_PAIRS)
  assert.equal(R.OUT_LENGTH, R.OUT_PAIRS + 2 * R.MAX_PARAMS)
  const D = native.DISPATCH
  const io = [D.IO_METHOD, D.IO_FALLBACK, D.IO_ACCEPT, D.IO_ROUTE, D.IO_MATCHED, D.IO_HIT, D.IO_STATUS, D.IO_TYPE,
    D.IO_ENCODING, D.IO_NOT_MODIFIED, D.IO_STALE, D.IO_UNIT_LO, D.IO_UNIT_HI, D.IO_UNIT_SET, D.IO_EXP_ARM, D.IO_EXP_SEQ, D.IO_ARM, D.IO_GHOST,
    D.IO_START, D.IO_START + 1]
  assert.deepEqual([...io].sort((a, b) => a - b), io.map((_, i) => i), 'io slots are distinct and dense')
  assert.equal(D.IO_SIZE, io.length)
  assert.equal(D.IO_START % 2, 0, 'the start time (a double) is 8-byte aligned')
  // The statistics slots follow the dispatch slots (native/dispatch.h).
  assert.equal(D.IO_STATS_COUNT, D.IO_SIZE)
  assert.equal(D.IO_STATS_FIRST, D.IO_SIZE + 1)
  assert.ok(D.IO_TOTAL > D.IO_STATS_FIRST)
  assert.equal(D.OUT_HEADER_MAX, D.ETAG_TEXT + 1 + D.TYPE_MAX)
  assert.equal(D.VARIANT_GZIP & D.TYPE_LENGTH_MASK, 0, 'variant bits sit above the content-type length')
  assert.equal(D.FRESH_EPOCH_S * 1000, Date.UTC(2026, 0, 1))
  const C = native.CACHE
  assert.equal(C.META_SIZE, C.OUT_SIZE - C.OUT_STATUS)
  for (const gone of ['cacheProbeLatin1', 'ROUTER_OUT_LENGTH', 'CACHE_OUT_LENGTH', 'DISPATCH_IO_SIZE', 'dispatchSetMode']) {
    assert.equal(gone in native, false, gone)
  }
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { Cache, CACHE_STATUS } from 'griddle'
import { CACHE_OPEN_STATUS } from '../../lib/errors.js'
import { native } from '../../lib/binding.js'
import { kCacheMeta } from '../../lib/symbols.js'

const MB = 1 << 20

test('cache stores strings and bytes and returns copies of them', () => {
  const c = new Cache({ maxBytes: MB })
  assert.equal(c.set('s', 'héllo'), true)
  assert.equal(c.set('b', new Uint8Array([1, 2, 3])), true)
  assert.equal(c.get('s')?.toString('utf8'), 'héllo')
  const b = c.get('b')!
  assert.deepEqual([...b], [1, 2, 3])
  b[0] = 9
  assert.deepEqual([...c.get('b')!], [1, 2, 3])
  assert.equal(c.get('nope'), undefined)
  assert.equal(c.has('s'), true)
  assert.equal(c.has('nope'), false)
  assert.equal(c.set('s', 'other'), true)
  assert.equal(c.get('s')?.toString(), 'other')
  assert.equal(c.delete('s'), true)
  assert.equal(c.delete('s'), false)
  assert.equal(c.has('s'), false)
  assert.equal(c.set('empty', ''), true)
  assert.equal(c.get('empty')?.length, 0)
  const big = new Uint8Array(100_000).map((_, i) => i % 251)
  c.set('big', big)
  assert.deepEqual(c.get('big'), Buffer.from(big))
  c.close()
})

test('getInto copies into the caller buffer and reports misses and short buffers', () => {
  const c = new Cache({ maxBytes: MB })
  const value = new Uint8Array(4096).map((_, i) => i & 0xff)
  c.set('k', value)
  const target = new Uint8Array(8192)
  assert.equal(c.getInto('k', target), 4096)
  assert.deepEqual(target.subarray(0, 4096), value)
  assert.equal(c.getInto('missing', target), CACHE_STATUS.MISS)
  assert.equal(CACHE_STATUS.MISS, -1)
  const small = new Uint8Array(100)
  assert.equal(c.getInto('k', small), CACHE_STATUS.TOO_SMALL)
  assert.equal(CACHE_STATUS.TOO_SMALL, -2)
  assert.ok(small.every((x) => x === 0), 'nothing is copied into a short buffer')
  assert.equal(c[kCacheMeta]().length, 4096, 'the needed length is reported')
  assert.equal(c.get('k')?.length, 4096)
  assert.deepEqual([c.stats().hits, c.stats().misses], [2, 1], 'a short buffer is neither a hit nor a miss')
  // A Buffer is a Uint8Array, and a view at an offset receives the bytes at its start.
  const big = Buffer.alloc(5000)
  assert.equal(c.getInto('k', big.subarray(10)), 4096)
  assert.deepEqual(big.subarray(10, 4106), Buffer.from(value))
})

test('keys are any JavaScript string, compared exactly', () => {
  const c = new Cache({ maxBytes: MB })
  const keys = ['', 'e\u0301', '\u00e9', 'ü€😀', '\ud800', '\udc00x', 'a'.repeat(600), 'a'.repeat(601), 'A', 'a']
  keys.forEach((k, i) => assert.equal(c.set(k, `v${i}`), true))
  keys.forEach((k, i) => assert.equal(c.get(k)?.toString(), `v${i}`, JSON.stringify(k.slice(0, 10))))
  assert.equal(c.stats().entries, keys.length)
})

test('the cache never holds more bytes than maxBytes and counts its evictions', () => {
  const c = new Cache({ maxBytes: 256 * 1024 })
  const value = new Uint8Array(1000)
  for (let i = 0; i < 2000; i++) {
    assert.equal(c.set(`key-${i}`, value), true)
    if (i % 100 === 0) assert.ok(c.stats().bytes <= 256 * 1024)
  }
  const s = c.stats()
  assert.ok(s.bytes <= s.maxBytes, `${s.bytes} > ${s.maxBytes}`)
  assert.ok(s.entries > 150 && s.entries < 256, `entries: ${s.entries}`)
  assert.equal(s.evictions, 2000 - s.entries)
  // Each entry is charged its key, value and bookkeeping.
  assert.equal(s.bytes, s.entries * (1000 + native.CACHE.ENTRY_OVERHEAD) + 2 * [...Array(2000).keys()]
    .slice(2000 - s.entries).reduce((n, i) => n + `key-${i}`.length, 0))
})

test('an entry larger than the cache allows is refused and counted', () => {
  const c = new Cache({ maxBytes: 64 * 1024 })
  assert.ok(c.maxEntryBytes < 64 * 1024)
  assert.equal(c.set('big', new Uint8Array(64 * 1024)), false)
  assert.equal(c.set('ok', new Uint8Array(c.maxEntryBytes)), true)
  assert.equal(c.has('big'), false)
  assert.equal(c.stats().rejected, 1)
})

test('cache keeps frequently read entries through a scan larger than the cache (S3-FIFO)', () => {
  const c = new Cache({ maxBytes: 200 * 1024 })
  const value = new Uint8Array(900)
  for (let i = 0; i < 50; i++) c.set(`hot-${i}`, value)
  const target = new Uint8Array(1024)
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 50; i++) assert.equal(c.getInto(`hot-${i}`, target), 900)
  }
  for (let i = 0; i < 2000; i++) c.set(`scan-${i}`, value)
  let kept = 0
  for (let i = 0; i < 50; i++) kept += c.has(`hot-${i}`) ? 1 : 0
  assert.equal(kept, 50)
  assert.ok(c.stats().evictions >= 2000 - 200)
})

test('expired entries are never returned and are reclaimed without being read', async () => {
  const c = new Cache({ maxBytes: MB, ttlMs: 30 })
  c.set('short', 'x')
  c.set('long', 'y', { ttlMs: 60_000 })
  c.set('forever', 'z', { ttlMs: 0 })
  c.set('beyond', 'w', { ttlMs: Number.MAX_SAFE_INTEGER })
  for (let i = 0; i < 100; i++) c.set(`bulk-${i}`, 'b', { ttlMs: 10 + i })
  assert.equal(c.get('short')?.toString(), 'x')
  await sleep(200)
  assert.equal(c.get('short'), undefined)
  assert.equal(c.getInto('short', new Uint8Array(8)), CACHE_STATUS.MISS)
  assert.equal(c.has('bulk-5'), false)
  const s = c.stats()
  assert.equal(s.entries, 3, 'the 100 expired entries were reclaimed by the timer wheel')
  assert.equal(s.expirations, 101)
  assert.equal(c.get('long')?.toString(), 'y')
  assert.equal(c.get('forever')?.toString(), 'z')
  assert.equal(c.get('beyond')?.toString(), 'w', 'a TTL beyond 10^12 ms means never')
})

test('invalidateTag removes exactly the entries carrying the tag', () => {
  const c = new Cache({ maxBytes: 4 * MB })
  for (let i = 0; i < 300; i++) {
    const tags = [`user:${i % 3}`, 'all']
    if (i % 2 === 0) tags.push('even', 'even')
    c.set(`k${i}`, `v${i}`, { tags })
  }
  c.set('plain', 'p')
  assert.equal(c.invalidateTag('user:1'), 100)
  assert.equal(c.invalidateTag('user:1'), 0)
  assert.equal(c.has('k1'), false)
  assert.equal(c.has('k0'), true)
  assert.equal(c.invalidateTag('even'), 100)
  assert.equal(c.invalidateTag('nothing'), 0)
  c.set('k3', 'untagged now')
  assert.equal(c.invalidateTag('all'), 99)
  assert.equal(c.get('k3')?.toString(), 'untagged now')
  assert.deepEqual([c.stats().entries, c.has('plain')], [2, true])
})

test('entries carry the server metadata beside the body', () => {
  const c = new Cache({ maxBytes: MB })
  const etag = 0xfedcba9876543210n
  c.set('r', '{"ok":true}', { meta: { status: 404, variants: 2, freshUntil: 0xffffffff, etag } })
  assert.equal(c.getInto('r', new Uint8Array(64)), 11)
  assert.deepEqual(c[kCacheMeta](), { length: 11, status: 404, variants: 2, freshUntil: 0xffffffff, etag })
  c.set('plain', 'x')
  c.getInto('plain', new Uint8Array(4))
  assert.deepEqual(c[kCacheMeta](), { length: 1, status: 0, variants: 0, freshUntil: 0, etag: 0n })
  assert.throws(() => c.set('r', 'x', { meta: { status: 70000 } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => c.set('r', 'x', { meta: { etag: -1n } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})

test('clear empties the cache and keeps its counters', () => {
  const c = new Cache({ maxBytes: MB })
  for (let i = 0; i < 10; i++) c.set(`k${i}`, 'v', { tags: ['t'] })
  c.get('k1')
  c.clear()
  const s = c.stats()
  assert.deepEqual([s.entries, s.bytes, s.hits], [0, 0, 1])
  assert.equal(c.invalidateTag('t'), 0)
  assert.equal(c.set('k1', 'again'), true)
})

test('named caches share one store and refuse a different size', () => {
  const a = new Cache({ name: 'test-shared', maxBytes: MB })
  const b = new Cache({ name: 'test-shared', maxBytes: MB })
  a.set('x', 'from a')
  assert.equal(b.get('x')?.toString(), 'from a')
  assert.throws(() => new Cache({ name: 'test-shared', maxBytes: 2 * MB }), { code: 'GRIDDLE_ERR_CACHE_CONFLICT' })
  a.close()
  assert.equal(b.get('x')?.toString(), 'from a', 'closing one handle leaves the store to the others')
  assert.equal(new Cache({ name: 'test-shared', maxBytes: MB }).has('x'), true)
  const p = new Cache({ maxBytes: MB })
  assert.equal(p.has('x'), false, 'an unnamed cache is private')
})

test('bad options and arguments get coded errors, never a crash', () => {
  for (const maxBytes of [-1, 0, 1.5, NaN, Infinity, '10', undefined, 2 ** 60]) {
    assert.throws(() => new Cache({ maxBytes } as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' }, String(maxBytes))
  }
  for (const ttlMs of [-1, 0.5, '5', NaN]) {
    assert.throws(() => new Cache({ maxBytes: MB, ttlMs } as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  }
  assert.throws(() => new Cache(null as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => new Cache({ maxBytes: MB, name: '' }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  const c = new Cache({ maxBytes: MB })
  const bad = 42 as unknown as string
  for (const call of [() => c.set(bad, 'v'), () => c.get(bad), () => c.getInto(bad, new Uint8Array(1)),
    () => c.has(bad), () => c.delete(bad), () => c.invalidateTag(bad)]) {
    assert.throws(call, { name: 'GriddleTypeError', code: 'GRIDDLE_ERR_INVALID_ARG' })
  }
  assert.throws(() => c.set('k', 5 as never), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => c.set('k', new Uint16Array(2) as never), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => c.getInto('k', [] as never), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => c.set('k', 'v', { ttlMs: -5 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => c.set('k', 'v', { ttlMs: 1.5 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => c.set('k', 'v', { tags: 'a' as never }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => c.set('k', 'v', { tags: [''] }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => c.set('k', 'v', { tags: [1 as never] }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => c.set('k', 'v', null as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})

test('a closed cache throws GRIDDLE_ERR_CACHE_CLOSED from every method', () => {
  const c = new Cache({ maxBytes: MB })
  c.set('k', 'v')
  c.close()
  c.close()
  const calls = [() => c.set('k', 'v'), () => c.get('k'), () => c.getInto('k', new Uint8Array(4)), () => c.has('k'),
    () => c.delete('k'), () => c.invalidateTag('t'), () => c.clear(), () => c.stats(), () => c.maxEntryBytes]
  for (const call of calls) assert.throws(call, { code: 'GRIDDLE_ERR_CACHE_CLOSED' })
})

test('native cache calls refuse forged handles and closed handles', () => {
  const out = new Int32Array(new ArrayBuffer(native.CACHE.OUT_SIZE * 4))
  const handle = native.cacheOpen(null, MB, out)
  assert.equal(typeof handle, 'function')
  const h = handle as Exclude<typeof handle, number>
  const forged = (() => 0) as unknown as typeof h
  assert.throws(() => native.cacheSet(forged, 'k', 'v', 0, null, null), { code: 'GRIDDLE_ERR_INVALID_HANDLE' })
  assert.throws(() => native.cacheGet({} as typeof h, 'k'), { code: 'GRIDDLE_ERR_INVALID_HANDLE' })
  assert.throws(() => native.cacheOpen(null, MB, new Int32Array(2)), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.equal(native.cacheOpen(null, -5, out), CACHE_OPEN_STATUS.BAD_SIZE)
  assert.throws(() => h(7 as never, new Uint8Array(4)), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => h('k', new Int8Array(4) as never), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => native.cacheSet(h, 'k', 'v', 0, [3 as never], null), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  native.cacheClose(h)
  assert.equal(h('k', new Uint8Array(4)), CACHE_STATUS.CLOSED)
  assert.throws(() => native.cacheGet(h, 'k'), { code: 'GRIDDLE_ERR_CACHE_CLOSED' })
})

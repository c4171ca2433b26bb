import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Cache, Router } from 'griddle'
import { native } from '../../lib/binding.js'
import { Dispatcher, ENCODING, ETAG_TEXT, IO, MODE, VARIANT } from '../../lib/routing/dispatch.js'

const enc = new TextEncoder()

function setup(maxBodyBytes = 4096) {
  const router = new Router<string>()
  const cached = router.add('GET', '/users/:id', 'user')
  const plain = router.add('GET', '/plain/:id', 'plain')
  const cache = new Cache({ maxBytes: 1 << 20 })
  const d = new Dispatcher(router as Router<unknown>, cache, maxBodyBytes)
  d.setMode(cached, MODE.DEFAULT_KEY)
  const get = router.methodCode('GET')
  d.io[IO.METHOD] = get
  d.io[IO.FALLBACK] = -1
  return { router, d, get, cached, plain }
}

const opts = { ttlMs: 0, tags: null, status: 200, type: 'application/json', variants: 0, freshUntilMs: 0 }

function body(d: Dispatcher): string {
  return Buffer.from(d.body()).toString()
}

test('dispatch looks up the route and reports a miss until the response is stored', () => {
  const { d, get, cached } = setup()
  d.dispatch('/users/7')
  assert.equal(d.io[IO.ROUTE], cached)
  assert.equal(d.io[IO.HIT], -1)
  assert.ok(d.store(d.key(get, '/users/7'), ENCODING.IDENTITY, enc.encode('{"id":7}'), opts))
  d.dispatch('/users/7')
  assert.equal(d.io[IO.HIT], 8)
  assert.equal(body(d), '{"id":7}')
  assert.equal(d.io[IO.STATUS], 200)
  assert.equal(Buffer.from(d.typeView()).toString(), 'application/json')
  assert.match(d.etag(), /^"[0-9a-f]{16}"$/)
})

test('the default key ignores the order of query pairs but not their values', () => {
  const { d, get } = setup()
  d.store(d.key(get, '/users/1', 'b=2&a=1'), ENCODING.IDENTITY, enc.encode('q'), opts)
  d.dispatch('/users/1', 'a=1&b=2')
  assert.equal(body(d), 'q')
  d.dispatch('/users/1', 'a=1&b=3')
  assert.equal(d.io[IO.HIT], -1)
  d.dispatch('/users/1')
  assert.equal(d.io[IO.HIT], -1)
  assert.equal(d.key(get, '/x', 'b&a'), d.key(get, '/x', 'a&b'))
})

test('routes without caching never probe, and bad URLs report the router status', () => {
  const { d, get, plain } = setup()
  d.store(d.key(get, '/plain/1'), ENCODING.IDENTITY, enc.encode('x'), opts)
  d.dispatch('/plain/1')
  assert.equal(d.io[IO.ROUTE], plain)
  assert.equal(d.io[IO.HIT], -1)
  d.dispatch('/users/%zz')
  assert.equal(d.io[IO.ROUTE], -2)
})

test('If-None-Match with the ETag, in a list or weak, marks the hit not modified', () => {
  const { d, get } = setup()
  d.store(d.key(get, '/users/2'), ENCODING.IDENTITY, enc.encode('two'), opts)
  d.dispatch('/users/2')
  const etag = d.etag()
  for (const [inm, want] of [[etag, 1], [`"x", ${etag}`, 1], [`W/${etag}`, 1], ['*', 1], ['"nope"', 0], ['', 0], ['garbage,,,', 0]] as const) {
    d.dispatch('/users/2', undefined, inm)
    assert.equal(d.io[IO.NOT_MODIFIED], want, inm)
  }
})

test('compressed variants are served to clients that accept them', () => {
  const { d, get } = setup()
  const key = d.key(get, '/users/3')
  d.store(key, ENCODING.IDENTITY, enc.encode('plain'), { ...opts, variants: VARIANT.GZIP | VARIANT.BR })
  d.store(key, ENCODING.GZIP, enc.encode('gz'), opts)
  d.store(key, ENCODING.BR, enc.encode('br'), opts)
  const cases: Array<[number, string, number]> = [[0, 'plain', 0], [1, 'gz', 1], [2, 'br', 2], [3, 'br', 2]]
  for (const [accept, want, encoding] of cases) {
    d.io[IO.ACCEPT] = accept
    d.dispatch('/users/3')
    assert.equal(body(d), want)
    assert.equal(d.io[IO.ENCODING], encoding)
  }
  assert.equal(d.delete(key), 3)
  d.dispatch('/users/3')
  assert.equal(d.io[IO.HIT], -1)
})

test('an entry past its fresh time is still served, marked stale', () => {
  const { d, get } = setup()
  d.store(d.key(get, '/users/4'), ENCODING.IDENTITY, enc.encode('old'), { ...opts, freshUntilMs: Date.now() - 1000 })
  d.store(d.key(get, '/users/5'), ENCODING.IDENTITY, enc.encode('new'), { ...opts, freshUntilMs: Date.now() + 60_000 })
  d.dispatch('/users/4')
  assert.deepEqual([body(d), d.io[IO.STALE]], ['old', 1])
  d.dispatch('/users/5')
  assert.deepEqual([body(d), d.io[IO.STALE]], ['new', 0])
})

test('a body of maxBodyBytes fits with the longest content type, and one byte more does not', () => {
  const { d, get } = setup(64)
  const longest = { ...opts, type: 'x'.repeat(native.DISPATCH.TYPE_MAX) }
  assert.equal(d.out.byteLength, ETAG_TEXT + 1 + native.DISPATCH.TYPE_MAX + 64)
  assert.equal(d.store(d.key(get, '/users/6'), ENCODING.IDENTITY, new Uint8Array(65), longest), false)
  assert.equal(d.store(d.key(get, '/users/6'), ENCODING.IDENTITY, new Uint8Array(64), longest), true)
  d.dispatch('/users/6')
  assert.equal(d.io[IO.HIT], 64)
  assert.equal(Buffer.from(d.typeView()).toString(), longest.type)
})

test('HEAD falls back to the GET tree and custom keys probe through the same path', () => {
  const { router, d, get } = setup()
  const head = router.methodCode('HEAD')
  d.io[IO.METHOD] = head
  d.io[IO.FALLBACK] = get
  d.store(d.key(get, '/users/9'), ENCODING.IDENTITY, enc.encode('nine'), opts)
  d.dispatch('/users/9')
  assert.equal(d.io[IO.MATCHED], get)
  assert.equal(body(d), 'nine')
  const custom = d.customKey(router.find('GET', '/users/9')!.id, 'user:9')
  d.store(custom, ENCODING.IDENTITY, enc.encode('custom'), opts)
  d.probe(custom)
  assert.equal(body(d), 'custom')
  assert.notEqual(custom, d.key(get, '/users/9'))
})

test('the dispatcher refuses forged handles and closed caches', () => {
  const router = new Router()
  const cache = new Cache({ maxBytes: 1 << 16 })
  cache.close()
  assert.throws(() => new Dispatcher(router, cache, 1024), { code: 'GRIDDLE_ERR_CACHE_CLOSED' })
  const d = new Dispatcher(router, null, 1024)
  assert.throws(() => d.setMode(-1, 1), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  d.dispatch('/anything')
  assert.equal(d.io[IO.ROUTE], -1)
})

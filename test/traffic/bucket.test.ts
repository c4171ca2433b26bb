import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Router } from 'griddle'
import { murmur3, unitHash, unleashNormalized } from '../../lib/traffic/bucket.js'
import { Dispatcher, IO } from '../../lib/routing/dispatch.js'
import { native } from '../../lib/binding.js'

const require = createRequire(import.meta.url)
const murmurhash3js = require('murmurhash3js') as { x86: { hash32(key: string, seed?: number): number } }
const unleashUtil = require('unleash-client/lib/strategy/util.js') as {
  normalizedStrategyValue(id: string, groupId: string): number
  normalizedVariantValue(id: string, groupId: string, normalizer: number): number
}

test('murmur3 x86 32-bit gives the reference values', () => {
  assert.equal(murmur3('', 0), 0)
  assert.equal(murmur3('', 1), 0x514e28b7)
  assert.equal(murmur3('hello', 0), 0x248bfa47)
  assert.equal(murmur3('The quick brown fox jumps over the lazy dog', 0), 0x2e4ff723)
})

test('murmur3 hashes the UTF-8 bytes of a key, whatever its script or length', () => {
  for (const key of ['ключ', '😀 user', 'é', 'x'.repeat(100_000), 'a\u0000b']) {
    const latin1OfUtf8 = Buffer.from(key, 'utf8').toString('latin1')
    assert.equal(murmur3(key, 7), murmurhash3js.x86.hash32(latin1OfUtf8, 7), key.slice(0, 20))
  }
})

test('the unit hash of a long key uses every byte', () => {
  const long = 'u'.repeat(70_000)
  const a = unitHash(long + 'a'), b = unitHash(long + 'b')
  assert.notDeepEqual([a.lo, a.hi], [b.lo, b.hi])
  assert.equal(unitHash(undefined).set, false)
  assert.equal(unitHash('').set, true)
})

test('the Unleash normalization matches unleash-client, non-ASCII ids included', () => {
  const ids = ['u1', 'user-42', 'ключ', '😀', 'é'.repeat(5), 'x'.repeat(1000)]
  for (let i = 0; i < 300; i++) ids.push(`id-${i}-${i * 7919}`)
  for (const id of ids) {
    assert.equal(unleashNormalized(id, 'g1', 100), unleashUtil.normalizedStrategyValue(id, 'g1'), id.slice(0, 20))
    assert.equal(unleashNormalized(id, 'feat', 1000, 86028157), unleashUtil.normalizedVariantValue(id, 'feat', 1000), id.slice(0, 20))
  }
})

test('dispatch writes the unit hash into the io slots after its own, the same hash as app.flags uses', () => {
  // The experiment slots follow the unit hash (native/dispatch.h).
  assert.deepEqual([IO.EXP_ARM, IO.EXP_SEQ], [IO.UNIT_SET + 1, IO.UNIT_SET + 2])
  assert.ok(native.DISPATCH.IO_SIZE > IO.EXP_SEQ)
  const router = new Router<string>()
  router.add('GET', '/x', 'x')
  const d = new Dispatcher(router as Router<unknown>, null, 1024)
  d.io[IO.METHOD] = router.methodCode('GET')
  d.io[IO.FALLBACK] = -1
  for (const key of ['u1', 'ключ', 'z'.repeat(5000)]) {
    d.dispatch('/x', undefined, undefined, key)
    const h = unitHash(key)
    assert.deepEqual([d.io[IO.UNIT_LO], d.io[IO.UNIT_HI], d.io[IO.UNIT_SET], d.io[IO.ROUTE]], [h.lo, h.hi, 1, 0])
  }
  d.dispatch('/x')
  assert.equal(d.io[IO.UNIT_SET], 0)
  assert.throws(() => d.dispatch('/x', undefined, undefined, 42 as unknown as string), { code: 'GRIDDLE_ERR_INVALID_ARG' })
})

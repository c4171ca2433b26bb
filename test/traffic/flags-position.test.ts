// The request path decides flags in JavaScript (flagOutcome) and
// app.flags.evaluate natively (flagOutcome in native/flags-eval.cc): both must
// give every unit the same outcome, bit for bit.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { unitHash } from '../../lib/traffic/bucket.js'
import { FlagStore, flagOutcome, flagPosition } from '../../lib/traffic/flags.js'

let stores = 0

test('flagOutcome in JavaScript equals the native outcome for 50k units, on rollouts, splits and both', () => {
  const store = new FlagStore(`flags-position-${process.pid}-${stores++}`)
  const view = store.publish({ kind: 'griddle', doc: { flags: {
    r10: { rollout: 10 },
    r33: { rollout: 33.33 },
    r0: { rollout: 0 },
    r100: { rollout: 100 },
    split: { type: 'string', default: 'x', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 2 }, { name: 'c', weight: 0.5 }] },
    both: { type: 'string', default: 'x', rollout: 40, variants: [{ name: 'a', weight: 3 }, { name: 'b', weight: 7 }] },
    grouped: { rollout: { percentage: 25, groupId: 'g' } },
    killed: { enabled: false, rollout: 50 },
  } } })
  let compared = 0
  for (let i = 0; i < 50_000; i++) {
    const h = unitHash(`unit-${i}`)
    for (const cf of view.flags.values()) {
      assert.equal(flagOutcome(cf, h.lo, h.hi), store.evalFlag(view.seq, cf.index, -1, h.lo, h.hi), `${cf.flag.name} unit-${i}`)
      compared++
    }
  }
  assert.equal(compared, 50_000 * 8)
})

test('flag positions are uniform and independent across seeds', () => {
  const N = 100_000
  const seeds = [[0x12345678, 0x9abcdef0], [0x12345679, 0x9abcdef0], [0x12345678, 0x9abcdef1], [-1, 0]] as const
  // Each position split in 10 equal bins: every bin within ±5 % of N/10; pairs of seeds: joint bins of a 2×2 split near N/4.
  for (const [lo, hi] of seeds) {
    const bins = new Array<number>(10).fill(0)
    for (let i = 0; i < N; i++) {
      const h = unitHash(`k${i}`)
      bins[Math.floor(flagPosition(h.lo, h.hi, lo, hi) / 2 ** 32 * 10)]!++
    }
    for (const b of bins) assert.ok(Math.abs(b - N / 10) < N / 200, `${bins}`)
  }
  for (let a = 0; a < seeds.length; a++) {
    for (let b = a + 1; b < seeds.length; b++) {
      const joint = [0, 0, 0, 0]
      for (let i = 0; i < N; i++) {
        const h = unitHash(`k${i}`)
        const x = flagPosition(h.lo, h.hi, seeds[a]![0], seeds[a]![1]) >= 2 ** 31 ? 1 : 0
        const y = flagPosition(h.lo, h.hi, seeds[b]![0], seeds[b]![1]) >= 2 ** 31 ? 1 : 0
        joint[x * 2 + y]!++
      }
      for (const j of joint) assert.ok(Math.abs(j - N / 4) < N / 100, `seeds ${a},${b}: ${joint}`)
    }
  }
})

test('req.flags answers right whatever order a request asks its flags in (the asked-order hint is checked by name)', async () => {
  const { FlagsRuntime } = await import('../../lib/traffic/app-flags.js')
  const { RequestFlags } = await import('../../lib/traffic/request-flags.js')
  const { attributeReader } = await import('../../lib/traffic/attributes.js')
  const { evaluate } = await import('../../lib/traffic/evaluate.js')
  const runtime = new FlagsRuntime({ name: `flags-order-${process.pid}`, missing: 'off', log: () => {} })
  const when = [{ attribute: 'country', op: 'in', values: ['SE'] }]
  runtime.store.publish({ kind: 'griddle', doc: { flags: {
    a: { rollout: 50 }, b: { rollout: 20 }, c: { rollout: 0, rules: [{ when }] }, d: { enabled: false, rollout: 100 },
  } } })
  const traffic = { runtime, attributes: attributeReader({ country: { header: 'x-country' } }, undefined), missing: 'off' as const, hashing: true, readKey: () => undefined }
  const orders = [['a', 'b', 'c', 'd'], ['d', 'c', 'b', 'a'], ['b', 'missing', 'a'], ['c', 'c', 'a', 'a', 'd']]
  for (let i = 0; i < 400; i++) {
    const key = `u${i}`
    const h = unitHash(key)
    const country = i % 3 === 0 ? 'SE' : 'NO'
    const order = orders[i % orders.length]!
    const f = new RequestFlags(traffic, { headers: { 'x-country': country } }, key, h.lo, h.hi, 1)
    for (const name of order) {
      const want = evaluate(runtime.store, name, { lo: h.lo, hi: h.hi, set: true, key, missing: 'off', attributes: () => ({ country }) }).enabled
      assert.equal(f.isEnabled(name), want, `${name} for ${key} in order ${order}`)
    }
  }
})

test('attributes keep prototype names as plain keys', async () => {
  const { attributeReader } = await import('../../lib/traffic/attributes.js')
  const read = attributeReader({ constructor: { header: 'x-a' }, toString: { header: 'x-b' } }, undefined)
  const a = read({ headers: { 'x-a': '1' } })
  assert.equal(a.constructor, '1')
  assert.equal(a.toString, undefined)
  assert.equal(a.hasOwnProperty, undefined)
})

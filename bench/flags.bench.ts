/**
 * Flag and experiment evaluation per call, side by side on the same flags and
 * users: griddle (req.flags on a request's hash, app.flags.evaluate),
 * unleash-client (isEnabled, getVariant) and GrowthBook (isOn, run), with a
 * native no-op call as the floor. Each case runs in a fresh process, several
 * rounds; the parent prints median and spread in ns per call.
 * `node dist/bench/flags.bench.js` runs everything; `... <case>` one case.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { createApp } from 'griddle'
import { native } from '../lib/binding.js'
import { RequestFlags, type Traffic } from '../lib/traffic/request-flags.js'
import { unitHash } from '../lib/traffic/bucket.js'

const require = createRequire(import.meta.url)
const USERS = Array.from({ length: 1024 }, (_, i) => `user-${i * 7919}`)
const ROUNDS = 7
/** Each round lasts about this long, whatever a call costs. */
const ROUND_NS = 300e6
let CALLS = 10_000

const GRIDDLE = {
  flags: {
    roll: { rollout: 10 },
    button: { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 50 }, { name: 'blue', weight: 50 }] },
  },
}
const UNLEASH_FEATURES = [
  { name: 'roll', enabled: true, strategies: [{ name: 'flexibleRollout', parameters: { rollout: '10', stickiness: 'default', groupId: 'roll' }, constraints: [] }], variants: [] },
  { name: 'button', enabled: true, strategies: [{ name: 'default', parameters: {}, constraints: [] }], variants: [{ name: 'red', weight: 500, stickiness: 'default' }, { name: 'blue', weight: 500, stickiness: 'default' }] },
]
const GROWTHBOOK_FEATURES = { roll: { defaultValue: false, rules: [{ force: true, coverage: 0.1, hashAttribute: 'id' }] } }

/** One timed round: ns per call of `fn(i)` over CALLS calls. */
function round(fn: (i: number) => unknown): number {
  let sink = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) if (fn(i)) sink++
  const ns = Number(process.hrtime.bigint() - start) / CALLS
  if (sink < 0) console.log(sink)
  return ns
}

async function setup(name: string): Promise<(i: number) => unknown> {
  if (name === 'native no-op') return () => native.noop()
  if (name === 'js baseline') {
    // What a flag check costs in plain JavaScript: a Map lookup of the flag, then a bucket test on a precomputed hash.
    const flags = new Map([['roll', { rolloutBp: 1000 }], ['button', { rolloutBp: -1 }]])
    const hashes = USERS.map((u) => unitHash(u).lo >>> 0)
    return (i) => { const f = flags.get('roll'); return f !== undefined && hashes[i & 1023]! % 10000 < f.rolloutBp }
  }
  if (name === 'griddle unleash req.flags.isEnabled') {
    // Unleash mode: the same flexibleRollout as unleash-client's case, hashed natively on the key read once per request.
    const app = createApp({ flags: { source: { unleash: { version: 2, features: UNLEASH_FEATURES } } } })
    await app.flags.ready
    const traffic: Traffic = { runtime: app.flags, attributes: () => ({}), missing: 'off', hashing: true, readKey: () => undefined }
    const reqs = USERS.map((u) => { const h = unitHash(u); return new RequestFlags(traffic, {}, u, h.lo, h.hi, 1) })
    return (i) => reqs[i & 1023]!.isEnabled('roll')
  }
  if (name.startsWith('griddle')) {
    const app = createApp({ flags: { source: GRIDDLE } })
    await app.flags.ready
    const traffic: Traffic = { runtime: app.flags, attributes: () => ({}), missing: 'off', hashing: true, readKey: () => undefined }
    // One accessor per user, as each request has its own, on the hash dispatch computed.
    const reqs = USERS.map((u) => { const h = unitHash(u); return new RequestFlags(traffic, {}, u, h.lo, h.hi, 1) })
    if (name === 'griddle evalFlag crossing') {
      // The native call alone, on the same snapshot and hashes: what isEnabled costs beyond JavaScript.
      const view = app.flags.store.current()!
      const index = view.flags.get('roll')!.index
      return (i) => app.flags.store.evalFlag(view.seq, index, -1, reqs[i & 1023]!.lo, reqs[i & 1023]!.hi) >= 0
    }
    if (name === 'griddle req.flags.isEnabled') return (i) => reqs[i & 1023]!.isEnabled('roll')
    // A request's first flag question: a fresh accessor, so each call makes the one crossing that decides every flag.
    if (name === 'griddle first isEnabled of a request') return (i) => new RequestFlags(traffic, {}, USERS[i & 1023], reqs[i & 1023]!.lo, reqs[i & 1023]!.hi, 1).isEnabled('roll')
    if (name === 'griddle req.flags.variant') return (i) => reqs[i & 1023]!.variant('button').enabled
    if (name === 'griddle app.flags.evaluate') return (i) => app.flags.evaluate('roll', { unitKey: USERS[i & 1023]! }).enabled
  }
  if (name.startsWith('unleash')) {
    const UnleashClient = (require('unleash-client/lib/client.js') as { default: new (r: unknown, s: unknown[]) => { isEnabled(n: string, c: object, f: () => boolean): boolean, getVariant(n: string, c: object): { enabled: boolean } } }).default
    const { defaultStrategies } = require('unleash-client/lib/strategy/index.js') as { defaultStrategies: unknown[] }
    const client = new UnleashClient({ getToggle: (n: string) => UNLEASH_FEATURES.find((f) => f.name === n), getSegment: () => undefined }, defaultStrategies)
    const contexts = USERS.map((userId) => ({ userId }))
    if (name === 'unleash-client isEnabled') return (i) => client.isEnabled('roll', contexts[i & 1023]!, () => false)
    if (name === 'unleash-client getVariant') return (i) => client.getVariant('button', contexts[i & 1023]!).enabled
  }
  if (name.startsWith('growthbook')) {
    const { GrowthBook } = require('@growthbook/growthbook') as { GrowthBook: new (o: object) => { isOn(k: string): boolean, run(e: object): { value: unknown }, setAttributes(a: object): void } }
    const books = USERS.map((id) => new GrowthBook({ features: GROWTHBOOK_FEATURES, attributes: { id } }))
    const experiment = { key: 'button', variations: ['red', 'blue'] }
    if (name === 'growthbook isOn') return (i) => books[i & 1023]!.isOn('roll')
    if (name === 'growthbook run') return (i) => books[i & 1023]!.run(experiment).value === 'red'
  }
  throw new Error(`unknown case ${name}`)
}

export const CASES = [
  'native no-op', 'js baseline', 'griddle evalFlag crossing', 'griddle req.flags.isEnabled', 'griddle first isEnabled of a request', 'griddle req.flags.variant', 'griddle app.flags.evaluate',
  'griddle unleash req.flags.isEnabled', 'unleash-client isEnabled', 'unleash-client getVariant', 'growthbook isOn', 'growthbook run',
]

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]! }

async function child(name: string): Promise<void> {
  const fn = await setup(name)
  CALLS = Math.max(10_000, Math.round(ROUND_NS / round(fn))) // calibration and warm-up, discarded
  round(fn)
  const rounds = Array.from({ length: ROUNDS }, () => round(fn))
  console.log(JSON.stringify({ name, rounds }))
}

function parent(): void {
  const self = fileURLToPath(import.meta.url)
  console.log(`| case | median ns/call | min–max |\n| --- | --- | --- |`)
  for (const name of CASES) {
    const r = spawnSync(process.execPath, [self, name], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`)
    const { rounds } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rounds: number[] }
    console.log(`| ${name} | ${median(rounds).toFixed(1)} | ${Math.min(...rounds).toFixed(1)}–${Math.max(...rounds).toFixed(1)} |`)
  }
}

/**
 * `<case> --count N`: N calls after a warm-up, nothing printed; run under
 * callgrind at two counts, the difference of the instruction totals divided
 * by the difference of the counts is the instructions per call
 * (bench/flags-callgrind.sh), a figure the machine's load does not move.
 */
async function counted(name: string, n: number): Promise<void> {
  const fn = await setup(name)
  CALLS = 20_000
  round(fn)
  CALLS = n
  if (n > 0) round(fn)
}

if (process.argv[3] === '--count') await counted(process.argv[2]!, Number(process.argv[4]))
else if (process.argv[2] !== undefined) await child(process.argv[2])
else parent()

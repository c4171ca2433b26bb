import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createApp } from 'griddle'

const require = createRequire(import.meta.url)
const UnleashClient = (require('unleash-client/lib/client.js') as { default: new (repo: unknown, strategies: unknown[]) => Oracle }).default
const { defaultStrategies } = require('unleash-client/lib/strategy/index.js') as { defaultStrategies: unknown[] }

interface Oracle {
  isEnabled(name: string, context: object, fallback: () => boolean): boolean
  getVariant(name: string, context: object): { name: string, enabled: boolean, payload?: unknown }
}

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const COUNTRIES = ['SE', 'NO', 'DK', 'FI', 'se']
const VERSIONS = ['1.0.0', '1.2.3', '2.0.0-beta.1', '2.0.0', '10.1.0']

function corpus(seed: number, count: number): { features: unknown[], segments: unknown[] } {
  const r = rng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!
  const constraint = (): object => {
    const kind = Math.floor(r() * 5)
    const inverted = r() < 0.15
    if (kind === 0) return { contextName: 'country', operator: pick(['IN', 'NOT_IN']), values: [pick(COUNTRIES), pick(COUNTRIES)], inverted }
    if (kind === 1) return { contextName: 'country', operator: pick(['STR_STARTS_WITH', 'STR_ENDS_WITH', 'STR_CONTAINS']), values: [pick(['S', 'E', 'o', 'N'])], caseInsensitive: r() < 0.5, inverted }
    if (kind === 2) return { contextName: 'age', operator: pick(['NUM_EQ', 'NUM_GT', 'NUM_GTE', 'NUM_LT', 'NUM_LTE']), value: String(Math.floor(r() * 60)), inverted }
    if (kind === 3) return { contextName: 'appVersion', operator: pick(['SEMVER_EQ', 'SEMVER_GT', 'SEMVER_GTE', 'SEMVER_LT', 'SEMVER_LTE']), value: pick(VERSIONS), inverted }
    return { contextName: 'userId', operator: 'IN', values: [`user-${Math.floor(r() * 50)}`] }
  }
  const variants = (groupStickiness: boolean): object[] => Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => ({
    name: `v${i}`, weight: pick([0, 1, 50, 100, 333, 500]), weightType: 'variable',
    stickiness: groupStickiness ? pick(['default', 'userId', 'sessionId', 'tenant']) : undefined,
    ...(r() < 0.5 ? { payload: { type: 'string', value: `p${i}` } } : {}),
    ...(r() < 0.1 ? { overrides: [{ contextName: 'country', values: ['FI'] }] } : {}),
  }))
  const strategy = (name: string): object => {
    const constraints = Array.from({ length: Math.floor(r() * 3) }, constraint)
    let parameters: Record<string, unknown> = {}
    if (name === 'flexibleRollout') parameters = { rollout: pick([0, 1, 10, 33, 50, 99, 100, '25']), stickiness: pick(['default', 'userId', 'sessionId', 'tenant']), groupId: pick(['', 'shared', `g${Math.floor(r() * 5)}`]) }
    if (name === 'userWithId') parameters = { userIds: Array.from({ length: 5 }, () => `user-${Math.floor(r() * 60)}`).join(', ') }
    if (name === 'remoteAddress') parameters = { IPs: pick(['10.0.0.0/8', '192.168.1.7', '10.1.2.3, 172.16.0.0/12', 'not-an-ip']) }
    return { name, parameters, constraints, ...(r() < 0.3 ? { segments: [pick([1, 2])] } : {}), ...(r() < 0.3 ? { variants: variants(true) } : {}) }
  }
  const features = Array.from({ length: count }, (_, i) => ({
    name: `feature-${i}`,
    enabled: r() < 0.9,
    strategies: Array.from({ length: Math.floor(r() * 3) }, () => strategy(pick(['default', 'userWithId', 'flexibleRollout', 'flexibleRollout', 'remoteAddress']))),
    variants: r() < 0.6 ? variants(r() < 0.7) : [],
  }))
  const segments = [
    { id: 1, constraints: [{ contextName: 'country', operator: 'IN', values: ['SE', 'NO'] }] },
    { id: 2, constraints: [{ contextName: 'age', operator: 'NUM_GTE', value: '18' }] },
  ]
  return { features, segments }
}

function contexts(seed: number, count: number): Array<{ userId: string, sessionId: string, remoteAddress: string, properties: Record<string, string> }> {
  const r = rng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!
  return Array.from({ length: count }, (_, i) => ({
    userId: pick([`user-${i % 60}`, `${i}`, `ключ-${i}`, `😀${i}`, `u${Math.floor(r() * 1e9)}`]),
    sessionId: `s-${Math.floor(r() * 1e6)}`,
    remoteAddress: pick(['10.1.2.3', '192.168.1.7', '172.20.0.1', '8.8.8.8']),
    properties: { country: pick(COUNTRIES), age: String(Math.floor(r() * 70)), appVersion: pick(VERSIONS), tenant: `t${Math.floor(r() * 20)}` },
  }))
}

test('griddle decides as unleash-client does on a generated corpus of documents and users', async () => {
  for (const seed of [1, 2, 3]) {
    const doc = { version: 2, ...corpus(seed, 60) }
    const oracle = new UnleashClient({
      getToggle: (name: string) => doc.features.find((f) => (f as { name: string }).name === name),
      getSegment: (id: number) => doc.segments.find((s) => (s as { id: number }).id === id),
    }, defaultStrategies)
    const app = createApp({ flags: { source: { unleash: doc } } })
    await app.flags.ready
    let enabled = 0, compared = 0
    for (const ctx of contexts(seed * 31, 400)) {
      const attributes = { sessionId: ctx.sessionId, remoteAddress: ctx.remoteAddress, ...ctx.properties }
      for (const f of doc.features as Array<{ name: string }>) {
        const want = oracle.isEnabled(f.name, ctx, () => false)
        const wantVariant = oracle.getVariant(f.name, ctx)
        const got = app.flags.evaluate(f.name, { unitKey: ctx.userId, attributes })
        const where = `seed ${seed}, ${f.name}, user ${ctx.userId}`
        assert.equal(got.enabled, want, where)
        assert.equal(got.variant ?? 'disabled', wantVariant.name, where)
        assert.deepEqual(got.payload, wantVariant.payload, where)
        enabled += want ? 1 : 0
        compared++
      }
    }
    // The corpus exercises both answers, not one.
    assert.ok(enabled > compared * 0.1 && enabled < compared * 0.9, `${enabled}/${compared}`)
  }
})

test('an Unleash document with an unknown strategy or operator is refused with its path', async () => {
  const app = createApp({})
  await assert.rejects(app.flags.load({ unleash: { features: [{ name: 'a', enabled: true, strategies: [{ name: 'gradualRolloutSomething' }] }] } }),
    { code: 'GRIDDLE_ERR_FLAGS_CONFIG', path: 'features[0].strategies[0].name' })
  await assert.rejects(app.flags.load({ unleash: { features: [{ name: 'a', enabled: true, strategies: [{ name: 'default', constraints: [{ contextName: 'x', operator: 'LIKE', values: [] }] }] }] } }),
    { code: 'GRIDDLE_ERR_FLAGS_CONFIG', path: 'features[0].strategies[0].constraints[0].operator' })
  await assert.rejects(app.flags.load({ unleash: { features: [{ name: 'a', enabled: true, strategies: [{ name: 'flexibleRollout', parameters: { rollout: 'lots' } }] }] } }),
    { code: 'GRIDDLE_ERR_FLAGS_CONFIG', path: 'features[0].strategies[0].parameters.rollout' })
})

test('req.flags in Unleash mode, hashing the key natively once per request, decides as unleash-client does over real sockets', async () => {
  const { request } = await import('../helpers/http.js')
  const seed = 4
  const doc = { version: 2, ...corpus(seed, 40) }
  const oracle = new UnleashClient({
    getToggle: (name: string) => doc.features.find((f) => (f as { name: string }).name === name),
    getSegment: (id: number) => doc.segments.find((s) => (s as { id: number }).id === id),
  }, defaultStrategies)
  const attributes = Object.fromEntries(['sessionId', 'remoteAddress', 'country', 'age', 'appVersion', 'tenant'].map((a) => [a, { header: `x-${a.toLowerCase()}` }]))
  const app = createApp({ admission: false, unitKey: { cookie: 'uid' }, flags: { source: { unleash: doc }, attributes } })
  const names = (doc.features as Array<{ name: string }>).map((f) => f.name)
  // Two calls per flag: the second rides on the key the first left natively.
  app.get('/', (req) => names.map((n) => [req.flags.isEnabled(n), req.flags.variant(n).name, req.flags.isEnabled(n)]))
  const { port } = await app.listen(0)
  try {
    let enabled = 0, compared = 0
    for (const ctx of contexts(seed * 31, 300)) {
      const headers: Record<string, string> = { cookie: `uid=${encodeURIComponent(ctx.userId)}`, 'x-sessionid': ctx.sessionId, 'x-remoteaddress': ctx.remoteAddress }
      for (const [k, v] of Object.entries(ctx.properties)) headers[`x-${k.toLowerCase()}`] = v
      const got = (await request(port, '/', { headers })).json() as Array<[boolean, string, boolean]>
      names.forEach((n, i) => {
        const where = `${n}, user ${ctx.userId}`
        const want = oracle.isEnabled(n, ctx, () => false)
        assert.deepEqual(got[i], [want, oracle.getVariant(n, ctx).name, want], where)
        enabled += want ? 1 : 0
        compared++
      })
    }
    assert.ok(enabled > compared * 0.1 && enabled < compared * 0.9, `${enabled}/${compared}`)
  } finally {
    await app.close()
  }
})

test('the keyed Unleash hash equals unleash-client\'s normalized values over many keys, and refuses a stale token', async () => {
  const { unleashGroup, unleashKey, unleashKeyed } = await import('../../lib/traffic/bucket.js')
  const unleashUtil = require('unleash-client/lib/strategy/util.js') as { normalizedStrategyValue(id: string, g: string): number, normalizedVariantValue(id: string, g: string, n: number): number }
  const groups = ['', 'g1', 'shared', 'ключ', 'feature-7'].map((g) => [g, unleashGroup(g)] as const)
  for (let i = 0; i < 2000; i++) {
    const key = [`user-${i}`, `${i * 7919}`, `ключ-${i}`, `😀${i}`, 'x'.repeat(i % 700)][i % 5]!
    const token = unleashKey(key)
    for (const [g, index] of groups) {
      assert.equal(unleashKeyed(token, index, 100, 0), unleashUtil.normalizedStrategyValue(key, g), `${g}:${key.slice(0, 20)}`)
      assert.equal(unleashKeyed(token, index, 1000, 86028157), unleashUtil.normalizedVariantValue(key, g, 1000), `${g}:${key.slice(0, 20)}`)
    }
    if (i === 0) {
      unleashKey('someone-else')
      assert.equal(unleashKeyed(token, groups[1]![1], 100, 0), -1, 'a token is only good until the next key is set')
    }
  }
})

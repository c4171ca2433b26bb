import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { createGhostComparison, MAX_PATHS, OTHER_PATH } from '../../lib/traffic/ghost-compare.js'
import { diffOutputs, escapeToken, IgnoreRules, MAX_DIFFERENCES, parsePointer } from '../../lib/traffic/diff.js'
import { MIN_NOISE_RUNS, verdict, wilsonUpper } from '../../lib/traffic/noise.js'
import type { CapturedOutput } from '../../lib/traffic/release-types.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const out = (body: unknown, status = 200, headers: Record<string, string> = { 'content-type': JSON_TYPE }): CapturedOutput =>
  ({ status, headers, body, error: null })
const req = (i: number) => ({ method: 'GET', url: `/users/${i}`, headers: { host: 'x', authorization: 'Bearer secret' } })

let clock = 1_700_000_000_000
/** The stable version: a user, stamped with the time and a fresh request id, as real handlers do. */
function stableUser(i: number): CapturedOutput {
  return out({ id: i, name: `user ${i}`, tags: ['a', 'b'], generatedAt: new Date(clock++).toISOString(), requestId: randomUUID() })
}

/** Feeds `n` ghost runs, a second stable run on every one when `noiseEvery` is 1, every other one when 2. */
function feed(cmp: ReturnType<typeof createGhostComparison>, n: number, candidate: (i: number) => CapturedOutput, noiseEvery = 1): string[][] {
  const flagged: string[][] = []
  for (let i = 0; i < n; i++) {
    const stable2 = i % noiseEvery === 0 ? stableUser(i) : undefined
    flagged.push(cmp.observe(req(i), stableUser(i), candidate(i), stable2))
  }
  return flagged
}

test('a candidate that differs only in a timestamp and a random id gives zero mismatches with the noise filter on', () => {
  const cmp = createGhostComparison({ noise: true })
  feed(cmp, 200, (i) => stableUser(i), 3)
  const s = cmp.status()
  assert.equal(s.runs, 200)
  assert.equal(s.mismatches, 0)
  assert.deepEqual(s.paths, {})
  assert.deepEqual(Object.keys(s.noise).sort(), ['/generatedAt', '/requestId'])
  assert.equal(s.examples.length, 0)
  assert.equal(cmp.mismatchRate(), 0)
})

test('the same candidate without the noise filter mismatches on every run, on the noisy paths', () => {
  const cmp = createGhostComparison({ noise: false })
  feed(cmp, 20, (i) => stableUser(i))
  const s = cmp.status()
  assert.equal(s.mismatches, 20)
  assert.deepEqual(Object.keys(s.paths).sort(), ['/generatedAt', '/requestId'])
  assert.equal(cmp.mismatchRate(), 1)
})

test('a candidate that changes a real field is flagged on that path alone, with examples', () => {
  const cmp = createGhostComparison({ noise: true, examples: 3 })
  const flagged = feed(cmp, 100, (i) => {
    const o = stableUser(i)
    ;(o.body as { name: string }).name = `User ${i}`
    return o
  }, 4)
  const s = cmp.status()
  assert.equal(s.runs, 100)
  assert.equal(s.mismatches, 100, 'runs before the noise was known are re-judged')
  assert.deepEqual(s.paths, { '/name': 100 })
  assert.deepEqual(flagged[99], ['/name'])
  assert.equal(cmp.mismatchRate(), 1)
  assert.equal(s.examples.length, 3)
  const last = s.examples[2]!
  assert.equal(last.request.url, '/users/99')
  assert.equal(last.request.headers.authorization, '[redacted]')
  assert.deepEqual(last.diff, [{ path: '/name', stable: 'user 99', candidate: 'User 99' }])
  assert.equal((last.candidate as { body: { name: string } }).body.name, 'User 99')
})

test('a field broken on one request in ten shows that rate, and noisy paths never count', () => {
  const cmp = createGhostComparison({})
  feed(cmp, 200, (i) => {
    const o = stableUser(i)
    if (i % 10 === 0) (o.body as { id: unknown }).id = String(i)
    return o
  }, 2)
  assert.deepEqual(cmp.status().paths, { '/id': 20 })
  assert.equal(cmp.mismatchRate(), 0.1)
})

test('status and the chosen headers are compared; other headers are not', () => {
  const cmp = createGhostComparison({ noise: false, headers: ['Content-Type', 'x-version'] })
  const a = out({ ok: true }, 200, { 'content-type': JSON_TYPE, 'x-version': '1', 'x-other': 'a' })
  const b = out({ ok: true }, 201, { 'content-type': 'text/plain', 'x-other': 'b' })
  assert.deepEqual(cmp.observe(req(1), a, b).sort(), ['header:content-type', 'header:x-version', 'status'])
  const s = cmp.status()
  assert.deepEqual(s.examples[0]!.diff.find((d) => d.path === 'header:x-version'), { path: 'header:x-version', stable: '1', candidate: undefined })
})

test('ignore rules: an exact pointer, "*" for one segment, a trailing "/*" for a subtree, status and headers', () => {
  const ignore = new IgnoreRules(['/meta', '/items/*/at', '/debug/*', 'status', 'header:x-a'])
  const a = out({ meta: { t: 1 }, items: [{ at: 1, v: 1 }, { at: 2, v: 2 }], debug: { x: { y: 1 } }, keep: 1 }, 200, { 'x-a': '1' })
  const b = out({ meta: 5, items: [{ at: 9, v: 1 }, { at: 8, v: 3 }], debug: { x: { y: 2 }, z: 1 }, keep: 2 }, 500, { 'x-a': '2' })
  assert.deepEqual(diffOutputs(a, b, ['x-a'], ignore).map((d) => d.path), ['/items/1/v', '/keep'])
  // The trailing "/*" leaves the node itself compared: a debug that turns into a string is a difference.
  const c = out({ ...(a.body as object), debug: 'gone' })
  assert.deepEqual(diffOutputs(a, c, [], ignore).map((d) => d.path), ['/debug'])
  assert.ok(ignore.skips(['items', '7', 'at']))
  assert.ok(!ignore.skips(['items', '7', 'at', 'deeper']))
  assert.ok(ignore.skips(['debug', 'a', 'b', 'c']))
})

test('ignore rules are applied by a comparison, and bad rules are refused with a code', () => {
  const cmp = createGhostComparison({ noise: false, ignore: ['/generatedAt', '/requestId'] })
  feed(cmp, 5, (i) => stableUser(i))
  assert.equal(cmp.status().mismatches, 0)
  assert.throws(() => createGhostComparison({ ignore: ['name'] }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createGhostComparison({ ignore: 'x' as unknown as string[] }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createGhostComparison({ headers: [''] }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createGhostComparison({ examples: -1 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => createGhostComparison({ noise: 'yes' as unknown as boolean }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})

test('pointers escape "~" as "~0" and "/" as "~1", and ignore rules read them back', () => {
  assert.equal(escapeToken('a/b~c'), 'a~1b~0c')
  assert.equal(escapeToken('~1'), '~01')
  assert.deepEqual(parsePointer('/a~1b/~01/'), ['a/b', '~1', ''])
  assert.deepEqual(parsePointer(''), [])
  const a = out({ 'a/b': 1, 'm~n': { '': 1 }, '~1': 1 })
  const b = out({ 'a/b': 2, 'm~n': { '': 2 }, '~1': 2 })
  const paths = diffOutputs(a, b, [], new IgnoreRules([])).map((d) => d.path)
  assert.deepEqual(paths, ['/a~1b', '/m~0n/', '/~01'])
  assert.deepEqual(diffOutputs(a, b, [], new IgnoreRules(['/a~1b', '/~01'])).map((d) => d.path), ['/m~0n/'])
})

test('arrays of different lengths differ at each index past the shorter one, and kinds are compared before values', () => {
  const a = out({ list: [1, 2], obj: { x: 1 }, arr: [], n: null })
  const b = out({ list: [1, 2, 3, 4], obj: [1], arr: {}, n: 0, extra: true })
  assert.deepEqual(diffOutputs(a, b, [], new IgnoreRules(undefined)), [
    { path: '/list/2', stable: undefined, candidate: 3 },
    { path: '/list/3', stable: undefined, candidate: 4 },
    { path: '/obj', stable: { x: 1 }, candidate: [1] },
    { path: '/arr', stable: [], candidate: {} },
    { path: '/n', stable: null, candidate: 0 },
    { path: '/extra', stable: undefined, candidate: true },
  ])
  const short = diffOutputs(out([1, 2, 3]), out([1]), [], new IgnoreRules(undefined))
  assert.deepEqual(short.map((d) => d.path), ['/1', '/2'])
  // Text bodies compare whole, at the root pointer "".
  assert.deepEqual(diffOutputs(out('a'), out('b'), [], new IgnoreRules(undefined)), [{ path: '', stable: 'a', candidate: 'b' }])
})

test('two unrelated bodies cost at most MAX_DIFFERENCES paths, and the distinct paths are bounded', () => {
  const big = (v: number) => out(Array.from({ length: 1000 }, () => v))
  assert.equal(diffOutputs(big(1), big(2), [], new IgnoreRules(undefined)).length, MAX_DIFFERENCES)
  const cmp = createGhostComparison({ noise: false, examples: 0 })
  for (let i = 0; i < MAX_PATHS + 50; i++) cmp.observe(req(i), out({ [`k${i}`]: 1 }), out({ [`k${i}`]: 2 }))
  const paths = cmp.status().paths
  assert.equal(Object.keys(paths).length, MAX_PATHS)
  assert.equal(paths[OTHER_PATH], 51)
})

test('a candidate error counts as an error, not a run or a mismatch, and is kept as an example', () => {
  const cmp = createGhostComparison({ noise: false })
  assert.deepEqual(cmp.observe(req(1), out({ a: 1 }), { status: 0, headers: {}, body: undefined, error: 'timed out after 1000 ms' }), [])
  cmp.observe(req(2), out({ a: 1 }), out({ a: 1 }))
  cmp.shed()
  cmp.shed()
  const s = cmp.status()
  assert.equal(s.errors, 1)
  assert.equal(s.runs, 1)
  assert.equal(s.mismatches, 0)
  assert.equal(s.shed, 2)
  assert.deepEqual(s.examples.map((e) => e.candidate), [{ error: 'timed out after 1000 ms' }])
})

test('mismatchRate is mismatched runs over compared runs, 0 before any, and reset forgets everything', () => {
  const cmp = createGhostComparison({ noise: false })
  assert.equal(cmp.mismatchRate(), 0)
  for (let i = 0; i < 8; i++) cmp.observe(req(i), out({ v: 1 }), out({ v: i < 2 ? 2 : 1 }))
  assert.equal(cmp.mismatchRate(), 0.25)
  cmp.reset()
  assert.equal(cmp.mismatchRate(), 0)
  assert.deepEqual(cmp.status(), { runs: 0, mismatches: 0, errors: 0, shed: 0, paths: {}, noise: {}, examples: [] })
})

test('the noise rule: pending below the minimum, any count where never noisy, a margin where noisy', () => {
  assert.equal(verdict(true, 5, 5, 0, MIN_NOISE_RUNS - 1), 'pending')
  assert.equal(verdict(true, 1, 1000, 0, MIN_NOISE_RUNS), 'mismatch')
  assert.equal(verdict(true, 100, 100, 10, 10), 'noise')
  // 3 of 10 noisy is consistent with a true rate of 0.55: not enough noise runs to call it.
  assert.equal(verdict(true, 55, 100, 3, 10), 'noise')
  assert.equal(verdict(true, 100, 100, 3, 10), 'mismatch')
  // Long runs: 1.2 × the noise rate + 0.01 still holds a drift back.
  assert.equal(verdict(true, 5500, 10000, 50000, 100000), 'noise')
  assert.equal(verdict(true, 7000, 10000, 50000, 100000), 'mismatch')
  assert.equal(verdict(false, 1, 10, 0, 0), 'mismatch')
  assert.ok(Math.abs(wilsonUpper(0, 10) - 0.3989) < 0.001)
})

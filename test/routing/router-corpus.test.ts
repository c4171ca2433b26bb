/**
 * griddle's router against find-my-way on generated routes and paths: for the
 * features both share, every lookup must give the same route and params.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Router, type RouterOptions } from 'griddle'

const require = createRequire(import.meta.url)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FindMyWay = require('find-my-way') as (opts?: object) => {
  on(method: string, path: string, handler: () => void, store?: unknown): void
  find(method: string, path: string): { params: Record<string, string>, store: unknown } | null
}

/** A seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = ['users', 'user', 'u', 'posts', 'post', 'files', 'near', 'api', 'v1', 'v2', 'a', 'ab', 'abc', 'Mixed', 'café', 'x.json', 'on-off']
const VALUES = ['42', 'abc', '', 'a.b', 'a-b', 'a.b.c', '1-2-3', 'x.json', 'Café', 'caf%C3%A9', 'a%2Fb', 'a%2Db', '%25', 'a%20b',
  'x'.repeat(101), 'x'.repeat(100), '%E2%82%AC', 'users', 'on-off', 'ABC', 'a:b', '%zz', '%C3', 'a;b', 'e%40x.org']

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!
}

function genSegment(rand: () => number, n: { i: number }): string {
  const r = rand()
  if (r < 0.5) return pick(rand, WORDS)
  if (r < 0.75) return `:p${n.i++}`
  if (r < 0.83) return `:p${n.i++}-:p${n.i++}`
  if (r < 0.9) return `:p${n.i++}.:p${n.i++}`
  if (r < 0.95) return `:p${n.i++}.json`
  return `${pick(rand, WORDS)}-:p${n.i++}`.replace(/^.*?-/, 'v-')
}

function genRoute(rand: () => number): string {
  const n = { i: 0 }
  const depth = 1 + Math.floor(rand() * 4)
  const segs: string[] = []
  for (let d = 0; d < depth; d++) segs.push(genSegment(rand, n))
  let route = '/' + segs.join('/')
  const r = rand()
  if (r < 0.1) route += '/*'
  else if (r < 0.15 && !segs[segs.length - 1]!.includes(':')) route += '*'
  else if (r < 0.2) route += '/'
  return route
}

/** A path made from a route by filling its parameters, then maybe mangled. */
function genPath(rand: () => number, route: string): string {
  let path = route.replace(/:p\d+/g, () => pick(rand, VALUES)).replace(/\*$/, () => pick(rand, ['', 'a/b', 'x%2Fy/z', 'a//b']))
  const r = rand()
  if (r < 0.1) path += '?q=1&r=/x'
  else if (r < 0.15) path += '#frag'
  else if (r < 0.22) path += '/'
  else if (r < 0.28) path = path.replace('/', '//')
  else if (r < 0.34) path = path.toUpperCase()
  else if (r < 0.38) path = path.slice(0, Math.floor(rand() * path.length) + 1)
  return path
}

function compare(options: RouterOptions, seed: number): { checked: number, matched: number } {
  const rand = prng(seed)
  const ours = new Router<number>(options)
  const theirs = FindMyWay(options)
  const routes: string[] = []
  for (let i = 0; i < 400; i++) {
    const route = genRoute(rand)
    const method = rand() < 0.8 ? 'GET' : 'POST'
    let theirError: unknown = null
    try {
      theirs.on(method, route, () => {}, i + 1)
    } catch (e) {
      theirError = e
    }
    let ourError: unknown = null
    try {
      ours.add(method, route, i + 1)
    } catch (e) {
      ourError = e
    }
    assert.equal(ourError === null, theirError === null, `adding ${method} ${route}: ours ${ourError} theirs ${theirError}`)
    if (ourError === null) routes.push(route)
  }
  let checked = 0
  let matched = 0
  for (let i = 0; i < 6000; i++) {
    const path = genPath(rand, pick(rand, routes))
    const method = rand() < 0.9 ? 'GET' : 'POST'
    const a = ours.find(method, path)
    const b = theirs.find(method, path)
    const got = a === null ? null : { value: a.value, params: a.params }
    const want = b === null ? null : { value: b.store, params: { ...b.params } }
    assert.deepEqual(got, want, `${method} ${JSON.stringify(path)} with ${JSON.stringify(options)}`)
    checked++
    if (a !== null) matched++
  }
  return { checked, matched }
}

const VARIANTS: RouterOptions[] = [
  {},
  { caseSensitive: false },
  { ignoreTrailingSlash: true },
  { ignoreDuplicateSlashes: true },
  { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false },
  { maxParamLength: 3 },
]

for (const [i, options] of VARIANTS.entries()) {
  test(`router agrees with find-my-way on a generated corpus with ${JSON.stringify(options)}`, () => {
    for (let seed = 1; seed <= 5; seed++) {
      const { checked, matched } = compare(options, seed * 1000 + i)
      assert.equal(checked, 6000)
      // The corpus must exercise matches, not only misses.
      assert.ok(matched > checked / 5, `only ${matched} of ${checked} paths matched`)
    }
  })
}

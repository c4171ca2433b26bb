import { test } from 'node:test'
import assert from 'node:assert/strict'
import { native } from '../../lib/binding.js'
import { parsePattern } from '../../lib/routing/route-pattern.js'
import { OUT } from '../../lib/routing/router.js'
import { Router } from 'griddle'
import { kLookup, kPublish } from '../../lib/symbols.js'

// The route snapshot (native/snapshot.h): published with one atomic swap,
// read by any thread without a lock. npm run test:tsan runs this file under
// ThreadSanitizer.

const ROUTES = 400
const patternOptions = { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParams: 32 }
const pattern = (k: number) => k % 2 === 0 ? `/r${k}/:id` : `/r${k}/static/${k}`
const path = (k: number) => k % 2 === 0 ? `/r${k}/x${k}` : `/r${k}/static/${k}`

function lowLevelRouter() {
  const out = new Int32Array(new ArrayBuffer(OUT.LENGTH * 4))
  return { out, lookup: native.routerCreate(0, 100, out) }
}

test('a native thread looking routes up while this thread publishes always sees a whole snapshot', async () => {
  const { lookup } = lowLevelRouter()
  const check = native.snapshotCheckStart(lookup, 0, Array.from({ length: ROUTES }, (_, k) => path(k)))
  let published = 0
  const deadline = Date.now() + 3000
  // Each publish adds a route, and changes the cache mode of every route at once.
  for (let k = 0; k < ROUTES && Date.now() < deadline; k++) {
    assert.equal(native.routerInsert(lookup, 0, parsePattern(pattern(k), patternOptions).parts, k), 0)
    for (let id = 0; id <= k; id++) native.routerSetCacheMode(lookup, id, k % 4)
    native.routerPublish(lookup)
    published++
    // Give the reader time to look at most snapshots.
    if (k % 16 === 0) await new Promise((r) => setImmediate(r))
  }
  const [lookups, errors, generations] = native.snapshotCheckStop(check)
  assert.equal(errors, 0)
  assert.ok(published > 10, `published ${published}`)
  assert.ok(lookups > 0 && generations > 1, `${lookups} lookups over ${generations} snapshots`)
  // With the reader gone, no replaced snapshot is kept.
  native.routerPublish(lookup)
  assert.equal(native.snapshotRetired(lookup), 0)
})

test('a lookup after an unpublished change publishes it first, and a publish without change builds nothing', () => {
  const r = new Router<number>()
  const first = r[kPublish]()
  r.add('GET', '/users/:id', 1)
  assert.equal(r.find('GET', '/users/7')?.params.id, '7')
  const after = r[kPublish]()
  assert.equal(after, first + 1, 'the lookup published one snapshot')
  assert.equal(r[kPublish](), after)
  r.add(['GET', 'POST'], '/both', 2)
  assert.equal(r[kPublish](), after + 1, 'one route for two methods is one snapshot')
  assert.equal(native.snapshotRetired(r[kLookup]), 0)
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createGhostComparison, ghostCounts, mergeGhostCounts } from '../../lib/traffic/ghost-compare.js'
import type { CapturedOutput, GhostComparison, GhostStatus } from '../../lib/traffic/release-types.js'

const REQ = { method: 'GET', url: '/items/1', headers: { 'x-user': 'u' } }

function out(body: unknown): CapturedOutput {
  return { status: 200, headers: { 'content-type': 'application/json' }, body, error: null }
}

/** One ghost run: a random `/rid` in every answer (noise), a real change of `/name` when `changed`. */
function feed(c: GhostComparison, i: number, changed: boolean, noiseRun: boolean): void {
  const stable = out({ id: i, name: 'Ada', rid: `s${i}` })
  const candidate = out({ id: i, name: changed ? 'ADA' : 'Ada', rid: `c${i}` })
  c.observe(REQ, stable, candidate, noiseRun ? out({ id: i, name: 'Ada', rid: `t${i}` }) : undefined)
}

function figures(s: GhostStatus): Omit<GhostStatus, 'examples'> {
  const { examples: _, ...rest } = s
  return rest
}

test('merged counts of two comparisons give the figures of one comparison that observed every run', () => {
  const all = createGhostComparison()
  const parts = [createGhostComparison(), createGhostComparison()]
  for (let i = 0; i < 60; i++) {
    const changed = i % 5 === 0
    const noiseRun = i < 24 || i % 7 === 0
    feed(all, i, changed, noiseRun)
    feed(parts[i % 2]!, i, changed, noiseRun)
  }
  parts[0]!.shed()
  all.shed()
  const merged = mergeGhostCounts({}, parts.map((p) => ghostCounts(p)))
  assert.deepEqual(figures(merged.status()), figures(all.status()))
  assert.equal(merged.mismatchRate(), all.mismatchRate())
  const s = merged.status()
  assert.deepEqual(Object.keys(s.paths), ['/name'], 'the real change is flagged on its path alone')
  assert.deepEqual(Object.keys(s.noise), ['/rid'], 'the random id is noise')
  assert.equal(s.mismatches, 12)
  assert.equal(s.shed, 1)
})

test('the noise filter judges the sums: two workers with too few paired stable runs each have a verdict together', () => {
  const parts = [createGhostComparison(), createGhostComparison()]
  // Six paired stable runs each: below the ten a verdict needs, so each alone holds every path pending.
  for (let i = 0; i < 12; i++) feed(parts[i % 2]!, i, true, true)
  for (const p of parts) {
    assert.equal(p.status().mismatches, 0)
    assert.deepEqual(p.status().paths, {})
  }
  const merged = mergeGhostCounts({}, parts.map((p) => ghostCounts(p)))
  assert.equal(merged.status().mismatches, 12)
  assert.deepEqual(merged.status().paths, { '/name': 12 })
  assert.deepEqual(merged.status().noise, { '/rid': 12 })
})

test('a path\'s verdict follows the summed counts, not the verdict of either worker alone', () => {
  const quiet = createGhostComparison()
  const noisy = createGhostComparison()
  // Worker A's stable runs never differ on /rid; worker B's always do; both candidates differ on /rid.
  for (let i = 0; i < 20; i++) {
    const s = out({ id: i, rid: 'same' })
    quiet.observe(REQ, s, out({ id: i, rid: `c${i}` }), out({ id: i, rid: 'same' }))
    noisy.observe(REQ, out({ id: i, rid: `s${i}` }), out({ id: i, rid: `c${i}` }), out({ id: i, rid: `t${i}` }))
  }
  assert.deepEqual(Object.keys(quiet.status().paths), ['/rid'], 'alone, worker A flags /rid')
  const merged = mergeGhostCounts({}, [ghostCounts(quiet), ghostCounts(noisy)])
  // Summed: /rid differed in 20 of 40 stable pairs and 40 of 40 candidate runs: the bar is 0.69, the rate 1.
  assert.deepEqual(Object.keys(merged.status().paths), ['/rid'])
  // Summed the other way round (rarely noisy), it is noise: the verdict follows the sums, not either worker.
  const rare = createGhostComparison()
  for (let i = 0; i < 20; i++) rare.observe(REQ, out({ id: i, rid: `s${i}` }), out({ id: i, rid: i < 2 ? `c${i}` : `s${i}` }), out({ id: i, rid: `t${i}` }))
  const m2 = mergeGhostCounts({}, [ghostCounts(quiet), ghostCounts(rare)])
  assert.deepEqual(m2.status().paths, {}, `paths: ${JSON.stringify(m2.status())}`)
  assert.equal(m2.status().mismatches, 0)
})

test('a snapshot carries only the runs kept since the last one, and the merge shows the last ones across workers', () => {
  const a = createGhostComparison({ noise: false, examples: 3 })
  for (let i = 0; i < 2; i++) feed(a, i, true, false)
  const first = ghostCounts(a)
  assert.equal(first.examples.length, 2)
  feed(a, 2, true, false)
  const second = ghostCounts(a, first.lastExample)
  assert.equal(second.examples.length, 1)
  assert.deepEqual((second.examples[0]!.stable.body as { id: number }).id, 2)
  assert.ok(second.changes > first.changes)
  const merged = mergeGhostCounts({ noise: false, examples: 3 }, [second], [...first.examples, ...second.examples])
  assert.deepEqual(merged.status().examples.map((e) => (e.stable.body as { id: number }).id), [0, 1, 2])
  assert.deepEqual(merged.status().examples[0]!.diff.map((d) => d.path), ['/name', '/rid'])
})

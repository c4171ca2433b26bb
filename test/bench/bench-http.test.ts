import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseWrk } from '../../bench/http/wrk.js'
import { findScenario, scenarioPaths } from '../../bench/http/scenarios.js'
import { rotate, spread } from '../../bench/stats.js'
import { targetLines, updateResults, type ProcessRun } from '../../bench/http/results.js'
import { RESULTS_FILE } from '../../bench/http/paths.js'
import type { LoadgenResult } from '../../bench/http/loadgen.js'

const WRK_OUTPUT = `Running 10s test @ http://127.0.0.1:3000
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   340.12us  120.50us   12.01ms   91.00%
    Req/Sec    190.10k     5.20k  200.00k    70.00%
  Latency Distribution
     50%  310.00us
     75%  350.00us
     90%  420.00us
     99%    1.25ms
  1901234 requests in 10.00s, 700.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec: 190123.40
Transfer/sec:     70.00MB
`

test('wrk output parses into req/s, percentiles in microseconds and error counts', () => {
  assert.deepEqual(parseWrk(WRK_OUTPUT), {
    rps: 190123.4, p50Us: 310, p99Us: 1250, requests: 1901234, non2xx: 5, socketErrors: 3,
  })
})

test('wrk output without a latency distribution is refused rather than guessed', () => {
  assert.throws(() => parseWrk('Requests/sec: 10\n'), /could not parse wrk output/)
})

test('the users scenario spreads 1000 distinct ids over the whole read model', () => {
  const paths = scenarioPaths(findScenario('users'))
  assert.equal(paths.length, 1000)
  assert.equal(new Set(paths).size, 1000)
  assert.equal(paths[0], '/users/1')
  const ids = paths.map((p) => Number(p.slice('/users/'.length)))
  assert.ok(ids.every((id) => id >= 1 && id <= 100_000))
  assert.ok(Math.max(...ids) > 90_000)
})

test('spread gives the median and the range, and rotation starts each run elsewhere', () => {
  assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 })
  assert.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4, n: 4 })
  assert.deepEqual(rotate(['a', 'b', 'c'], 1), ['b', 'c', 'a'])
  assert.deepEqual(rotate(['a', 'b', 'c'], 3), ['a', 'b', 'c'])
})

test('updating a results file replaces a section in place and appends a new one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'results-test-'))
  const file = join(dir, 'http.md')
  try {
    writeFileSync(file, '# R\n\n## A\n\nold a\n\n## B\n\nb\n')
    updateResults(file, 'A', '## A\n\nnew a\n')
    updateResults(file, 'C', '## C\n\nc\n')
    assert.equal(readFileSync(file, 'utf8'), '# R\n\n## A\n\nnew a\n\n## B\n\nb\n\n## C\n\nc\n')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

function fakeRun(key: string, rps: number, p99Us = 0, p999Us = 0): ProcessRun {
  const latency = { count: 1, mean: 0, p50: 0, p90: 0, p99: p99Us, p99_9: p999Us, max: p999Us }
  const result = { latency_us: latency } as unknown as LoadgenResult
  return {
    unit: { key, name: key, label: key },
    run: 0,
    closed: { rps, p50Us: 0, p99Us: 0, requests: 0, non2xx: 0, socketErrors: 0 },
    open: [{ rateLabel: '50,000', offered: 50_000, result }],
  }
}

test('targets report met and missed goals with their margins, and nothing when the judged server did not run', () => {
  const targets = findScenario('users').targets
  const runs = [fakeRun('griddle', 180_000, 1200, 6000), fakeRun('uws-json', 190_000), fakeRun('fastify', 80_000)]
  assert.deepEqual(targetLines(targets, runs), [
    '### Targets',
    '',
    '- closed-loop req/s ≥ 0.9× uws-json: met (0.95×)',
    '- closed-loop req/s ≥ 2× fastify: met (2.25×)',
    '- at 50,000 req/s, p99 ≤ 1.5 ms: met (1.20 ms); p99.9 ≤ 5 ms: **missed** (6.00 ms)',
    '',
  ])
  assert.deepEqual(targetLines(targets, runs.slice(1)), [])
})

test('bench:http writes the HTTP results file, which the results index links', () => {
  assert.match(RESULTS_FILE, /bench[\\/]results[\\/]http\.md$/)
  const section = readFileSync(RESULTS_FILE, 'utf8')
  assert.match(section, /^# HTTP/)
  assert.ok(section.includes(`\n## ${findScenario('users').section}\n`), 'the users scenario has its section')
  assert.match(readFileSync(join(dirname(RESULTS_FILE), '..', 'RESULTS.md'), 'utf8'), /\(results\/http\.md\)/)
})

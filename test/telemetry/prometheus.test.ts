import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createApp } from 'griddle'
import { request } from '../helpers/http.js'
import { BOUNDS, CONTENT_TYPE, escapeLabel, renderMetrics } from '../../lib/telemetry/prometheus.js'
import { KIND, Stats } from '../../lib/telemetry/stats.js'

interface Family { name: string, type: string, metrics: Array<{ value?: string, labels?: Record<string, string>, buckets?: Record<string, string> }> }
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[]

const TOKEN = 'metrics-token-0123456789'
const EMPTY_PROCESS = {
  memory: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, externalBytes: 0 },
  gc: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, totalMs: 0 },
  threads: [{ threadId: 0, loopDelayMs: { mean: 1, p50: 1, p99: 2, max: 3 }, heapUsedBytes: 5, openConnections: 3, inFlight: 0 }],
  cache: { bytes: 0, entries: 0, hits: 0, misses: 0 },
  inFlight: 0,
  openConnections: 3,
}

test('the exposition parses, with one histogram bucket per bound counted from the HDR data', () => {
  const stats = new Stats()
  stats.nameRoute(0, '/users/:id')
  for (const ns of [50_000, 150_000, 2_000_000, 2_000_000, 3e9]) stats.record(0, 0, 200, 0, KIND.HIT, ns, 10)
  const text = renderMetrics(stats, { time: 0, uptimeSeconds: 0, series: [], dropped: 0, process: EMPTY_PROCESS })
  const families = parse(text)
  const h = families.find((f) => f.name === 'http_server_request_duration_seconds')!
  assert.equal(h.type, 'HISTOGRAM')
  const buckets = h.metrics[0]!.buckets!
  assert.deepEqual(Object.keys(buckets).sort(), [...BOUNDS.map(String), '+Inf'].sort())
  assert.equal(buckets['0.0001'], '1')
  assert.equal(buckets['0.00025'], '2')
  assert.equal(buckets['0.0025'], '4')
  assert.equal(buckets['2.5'], '4')
  assert.equal(buckets['5'], '5')
  assert.equal(buckets['+Inf'], '5')
  const labels = 'http_route="/users/:id",http_request_method="GET",http_response_status_code="200",griddle_arm="stable"'
  assert.ok(text.includes(`http_server_request_duration_seconds_count{${labels}} 5\n`))
  assert.ok(text.includes(`http_server_request_duration_seconds_sum{${labels}} 3.0042\n`))
  const hits = families.find((f) => f.name === 'griddle_cache_hits_total')!
  assert.equal(hits.type, 'COUNTER')
  assert.deepEqual(hits.metrics[0], { value: '5', labels: { http_route: '/users/:id', http_request_method: 'GET', http_response_status_code: '200', griddle_arm: 'stable' } })
  const loop = families.find((f) => f.name === 'nodejs_eventloop_delay_seconds')!
  assert.equal(loop.metrics.find((m) => m.labels?.quantile === '0.99')!.value, '0.002')
  for (const f of families) assert.ok(/^[a-z_]+$/.test(f.name) && f.type !== 'UNTYPED', f.name)
})

test('label values are escaped so that a parser reads them back exactly', () => {
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd')
  const stats = new Stats()
  const odd = '/we"ird\\path\nx'
  stats.nameRoute(0, odd)
  stats.record(0, 1, 201, 0, KIND.HANDLER, 1000, 1)
  const families = parse(renderMetrics(stats, { time: 0, uptimeSeconds: 0, series: [], dropped: 0, process: EMPTY_PROCESS }))
  assert.equal(families.find((f) => f.name === 'griddle_response_body_bytes_total')!.metrics[0]!.labels!.http_route, odd)
})

test('/metrics is on the admin listener with the token, and with metrics.path on the app without one', async () => {
  const app = createApp({ admin: { token: TOKEN }, metrics: { path: '/metrics' } })
  app.get('/users/:id', (req) => ({ id: req.params.id }))
  const { port, admin } = await app.listen(0)
  try {
    for (let i = 0; i < 3; i++) await request(port, `/users/${i}`)
    const open = await request(port, '/metrics')
    assert.equal(open.status, 200)
    assert.equal(open.headers['content-type'], CONTENT_TYPE)
    assert.ok(open.text.includes('http_server_request_duration_seconds_count{http_route="/users/:id",http_request_method="GET",http_response_status_code="200",griddle_arm="stable"} 3\n'))
    assert.equal((await request(admin!.port, '/metrics')).status, 401)
    const guarded = await request(admin!.port, '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(guarded.status, 200)
    assert.ok(parse(guarded.text).some((f) => f.name === 'griddle_shed_total'))
  } finally {
    await app.close()
  }
})

test('metrics options are checked with coded errors', () => {
  for (const metrics of [{ path: 'metrics' }, { path: 3 }, 'on']) {
    assert.throws(() => createApp({ metrics } as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  }
})

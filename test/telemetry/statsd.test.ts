import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { createApp } from 'griddle'
import { request, sleep } from '../helpers/http.js'
import { startDaemon as daemon, total, udpPort } from '../helpers/statsd-daemon.js'
import { StatsdFlusher, packets, sanitizeRoute } from '../../lib/telemetry/statsd.js'
import { KIND, Stats } from '../../lib/telemetry/stats.js'

test('after N requests the reference StatsD daemon counts exactly N, with no bad lines', async () => {
  const d = await daemon()
  try {
    const app = createApp({ statsd: { port: d.port, intervalMs: 50 } })
    app.get('/users/:id', (req) => ({ id: req.params.id }))
    app.get('/boom', () => { throw Object.assign(new Error('no'), { statusCode: 503 }) })
    app.onError(() => {})
    const { port } = await app.listen(0)
    const N = 250
    for (let i = 0; i < N; i++) assert.equal((await request(port, `/users/${i % 7}`)).status, 200)
    for (let i = 0; i < 3; i++) await request(port, '/boom')
    await sleep(150)
    await app.close()
    const key = 'griddle.requests.users._id.GET.200'
    for (let i = 0; i < 100 && total(d.flushes(), key) < N; i++) await sleep(20)
    await sleep(250)
    const flushes = d.flushes()
    assert.equal(total(flushes, key), N)
    assert.equal(total(flushes, 'griddle.requests.boom.GET.503'), 3)
    assert.equal(total(flushes, 'statsd.bad_lines_seen'), 0)
    assert.ok(total(flushes, 'griddle.response_bytes.users._id.GET.200') > 0)
    assert.ok(flushes.some((f) => (f.gauges['griddle.latency_ms.p99.users._id.GET.200'] ?? 0) > 0))
    assert.ok(flushes.some((f) => (f.gauges['griddle.process.rss_bytes'] ?? 0) > 0))
  } finally {
    await d.stop()
  }
})

test('lines are packed into datagrams up to the MTU, never one per metric, with dogstatsd tags when asked', async () => {
  const server = createSocket('udp4')
  const datagrams: string[] = []
  server.on('message', (m) => datagrams.push(m.toString()))
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()))
  const stats = new Stats()
  for (let r = 0; r < 40; r++) {
    stats.nameRoute(r, `/route${r}/:id`)
    stats.record(r, 0, 200, 0, KIND.HIT, 10_000 + r, 5)
  }
  const o = { host: '127.0.0.1', port: server.address().port, prefix: 'app.', intervalMs: 60_000, tags: 'dogstatsd' as const, mtu: 512, globalTags: {} }
  const process = () => ({
    memory: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, externalBytes: 0 }, gc: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, totalMs: 0 },
    threads: [], cache: { bytes: 0, entries: 0, hits: 0, misses: 0 }, inFlight: 0, openConnections: 0,
  })
  const flusher = new StatsdFlusher(stats, o, process)
  flusher.start()
  await sleep(50)  // the socket connects
  const lines = flusher.flush()
  const expected = packets(lines, 512).length
  for (let i = 0; i < 100 && datagrams.length < expected; i++) await sleep(10)
  flusher.stop()
  server.close()
  assert.equal(flusher.counters.errors, 0)
  assert.ok(lines.length > 200, `${lines.length} lines`)
  assert.equal(datagrams.length, expected)
  assert.ok(datagrams.length < lines.length / 5, `${datagrams.length} datagrams for ${lines.length} lines`)
  for (const d of datagrams) assert.ok(Buffer.byteLength(d) <= 512)
  assert.deepEqual(datagrams.join('\n').split('\n').sort(), [...lines].sort())
  assert.ok(datagrams.join('\n').includes('app.requests:1|c|#route:/route3/:id,method:GET,status:200,arm:stable'))
})

test('UDP errors are counted, never thrown, when no daemon listens', async () => {
  const stats = new Stats()
  stats.record(0, 0, 200, 0, KIND.HANDLER, 1000, 1)
  const o = { host: '127.0.0.1', port: await udpPort(), prefix: 'x.', intervalMs: 60_000, tags: 'none' as const, mtu: 1432, globalTags: {} }
  const flusher = new StatsdFlusher(stats, o, () => ({
    memory: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, externalBytes: 0 }, gc: { count: 0, p50Ms: 0, p99Ms: 0, maxMs: 0, totalMs: 0 },
    threads: [], cache: { bytes: 0, entries: 0, hits: 0, misses: 0 }, inFlight: 0, openConnections: 0,
  }))
  flusher.start()
  for (let i = 0; i < 50 && flusher.counters.errors === 0; i++) {
    flusher.flush()
    await sleep(20)
  }
  flusher.stop()
  assert.ok(flusher.counters.errors > 0)
})

test('route patterns become metric path levels the daemon keeps as they are', () => {
  assert.equal(sanitizeRoute('/users/:id'), 'users._id')
  assert.equal(sanitizeRoute('/'), 'root')
  assert.equal(sanitizeRoute('/files/*'), 'files.wildcard')
  assert.equal(sanitizeRoute('/a b/c.d'), 'a_b.c_d')
  assert.equal(sanitizeRoute(null), 'unmatched')
})

test('statsd options are checked with coded errors', () => {
  for (const statsd of [{ port: 0 }, { tags: 'yes' }, { prefix: 'a:b' }, { intervalMs: 1 }, { mtu: 10 }, 'on',
    { globalTags: { host: 'a' } }, { tags: 'dogstatsd', globalTags: { host: 'a,b' } }, { tags: 'dogstatsd', globalTags: { '1x': 'a' } },
    { tags: 'dogstatsd', globalTags: { host: 7 } }, { tags: 'dogstatsd', globalTags: ['a'] }]) {
    assert.throws(() => createApp({ statsd } as never), { code: 'GRIDDLE_ERR_INVALID_OPTION' }, JSON.stringify(statsd))
  }
})

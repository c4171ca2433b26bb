import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { serve, type Cluster } from 'griddle'
import { request, sleep } from '../helpers/http.js'
import { startDaemon, settle, total, type Flush } from '../helpers/statsd-daemon.js'

interface Family { name: string }
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[]

const APP = new URL('../fixtures/worker-app.js', import.meta.url)
const TOKEN = 'cluster-telemetry-token-0123'
const auth = { authorization: `Bearer ${TOKEN}` }

/** Requests on fresh connections until both workers answered, then up to `n` in all; returns the threads seen. */
async function traffic(cluster: Cluster, n: number): Promise<Set<unknown>> {
  const threads = new Set<unknown>()
  for (let i = 0; i < n; i++) {
    const r = await request(cluster.port, '/whoami')
    assert.equal(r.status, 200)
    threads.add((r.json() as { thread: number }).thread)
  }
  return threads
}

async function stats(cluster: Cluster): Promise<{ snapshot: { series: Array<{ route: string | null, requests: number }>, process: { openConnections: number, threads: unknown[] } } }> {
  const r = await request(cluster.admin!.port, '/stats.json', { headers: auth })
  assert.equal(r.status, 200, r.text)
  return r.json() as never
}

test('a serve() cluster runs one admin listener and one StatsD flusher, which counts each request once, not once per worker', async () => {
  const d = await startDaemon()
  let cluster: Cluster | null = null
  try {
    cluster = await serve({
      app: APP, workers: 2, port: 0, log: () => {},
      options: { admin: { port: 0, token: TOKEN }, statsd: { port: d.port, intervalMs: 50 } },
    })
    assert.ok(cluster.admin !== null && cluster.admin.port > 0)
    const N = 120
    const threads = await traffic(cluster, N)
    assert.equal(threads.size, 2, 'both workers served')

    assert.equal((await request(cluster.admin.port, '/stats.json')).status, 401)
    let seen = 0
    for (let i = 0; i < 50 && seen < N; i++) {
      seen = (await stats(cluster)).snapshot.series.filter((s) => s.route === '/whoami').reduce((n, s) => n + s.requests, 0)
      if (seen < N) await sleep(20)
    }
    assert.equal(seen, N, 'the admin listener reads every worker\'s requests')
    const metrics = await request(cluster.admin.port, '/metrics', { headers: auth })
    assert.ok(parse(metrics.text).some((f) => f.name === 'http_server_request_duration_seconds'))
    const counts = [...metrics.text.matchAll(/^http_server_request_duration_seconds_count\{http_route="\/whoami",[^}]*\} (\d+)$/gm)]
    assert.equal(counts.reduce((n, m) => n + Number(m[1]), 0), N)
  } finally {
    await cluster?.close()
  }
  try {
    // close() stops the workers first, so the flusher's last flush holds everything.
    assert.equal(await settle(d, 'griddle.requests.whoami.GET.200', 120), 120)
    assert.equal(total(d.flushes(), 'statsd.bad_lines_seen'), 0)
  } finally {
    await d.stop()
  }
})

/** The counter of a route summed over every series the daemon keyed with this host tag. */
function byHost(flushes: Flush[], host: string): number {
  let n = 0
  for (const f of flushes) {
    for (const [key, v] of Object.entries(f.counters)) {
      if (key.startsWith('griddle.requests;') && key.includes('route=-whoami') && key.endsWith(`;host=${host}`)) n += v
    }
  }
  return n
}

test('two clusters send to one daemon under their own host tags', async () => {
  const d = await startDaemon()
  const clusters: Cluster[] = []
  try {
    for (const host of ['web-a', 'web-b']) {
      clusters.push(await serve({
        app: APP, workers: 2, port: 0, log: () => {},
        options: { statsd: { port: d.port, intervalMs: 50, tags: 'dogstatsd', globalTags: { host } } },
      }))
    }
    assert.equal(clusters[0]!.admin, null, 'no admin listener without admin options')
    await traffic(clusters[0]!, 30)
    await traffic(clusters[1]!, 45)
  } finally {
    for (const c of clusters) await c.close()
  }
  try {
    assert.equal(await settle(d, (f) => byHost(f, 'web-a'), 30), 30)
    assert.equal(byHost(d.flushes(), 'web-b'), 45)
    assert.equal(total(d.flushes(), 'statsd.bad_lines_seen'), 0)
  } finally {
    await d.stop()
  }
})

function keepAlive(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    s.once('error', reject)
    s.once('data', () => resolve(s))
    s.write('GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n')
  })
}

test('the cluster\'s admin listener reports the workers\' open connections', async () => {
  const cluster = await serve({ app: APP, workers: 2, port: 0, log: () => {}, options: { admin: { port: 0, token: TOKEN } } })
  const sockets: Socket[] = []
  try {
    for (let i = 0; i < 4; i++) sockets.push(await keepAlive(cluster.port))
    // Workers publish their count once a second; the admin requests open no connection to the app port.
    let open = -1
    for (let i = 0; i < 40 && open !== 4; i++) {
      open = (await stats(cluster)).snapshot.process.openConnections
      if (open !== 4) await sleep(100)
    }
    assert.equal(open, 4)
    for (const s of sockets.splice(0, 3)) s.destroy()
    for (let i = 0; i < 40 && open !== 1; i++) {
      open = (await stats(cluster)).snapshot.process.openConnections
      if (open !== 1) await sleep(100)
    }
    assert.equal(open, 1)
  } finally {
    for (const s of sockets) s.destroy()
    await cluster.close()
  }
})

test('serve() checks admin and statsd options with coded errors before starting a worker', async () => {
  await assert.rejects(serve({ app: APP, workers: 1, port: 0, options: { admin: { token: 'short' } } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  await assert.rejects(serve({ app: APP, workers: 1, port: 0, options: { statsd: { globalTags: { host: 'a' } } } }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})

test('serve() with pino options logs worker restarts from the main thread and the lifecycle of each worker', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'griddle-log-'))
  const file = join(dir, 'log.jsonl')
  const logger = { transport: { target: 'pino/file', options: { destination: file } } }
  const read = (): Array<Record<string, unknown>> => existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>)
    : []
  const cluster = await serve({ app: APP, workers: 2, port: 0, restartDelayMs: 10, options: { logger, closeGraceMs: 100 } })
  try {
    assert.equal((await request(cluster.port, '/crash')).text, 'crashing')
    for (let i = 0; i < 300 && !read().some((l) => /exited with code 1; restarting/.test(String(l.msg))); i++) await sleep(10)
    const restart = read().find((l) => /exited with code 1; restarting/.test(String(l.msg)))
    assert.ok(restart, JSON.stringify(read()))
    assert.equal(restart.level, 40)
    for (let i = 0; i < 200 && cluster.size < 2; i++) await sleep(10)
    assert.ok(read().some((l) => l.msg === 'listening'), 'the workers log their own lifecycle')
  } finally {
    await cluster.close()
    rmSync(dir, { recursive: true, force: true })
  }
})

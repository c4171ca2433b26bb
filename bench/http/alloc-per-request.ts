/**
 * Bytes the server allocates per request, by route kind: a server child
 * process (nothing else allocates in it) answers N keep-alive requests one
 * after another, and V8's GC profiler sums what each scavenge found in the
 * young generation, plus what is still there at the end.
 *
 *   node dist/bench/http/alloc-per-request.js [requests] [--listener]
 *
 * `--listener` installs an end-point listener (telemetry's path: the start
 * time is then read from the clock on every request).
 */
import { fork } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { GCProfiler, getHeapSpaceStatistics } from 'node:v8'

const YOUNG = new Set(['new_space', 'new_large_object_space'])
const young = (spaces: Array<{ spaceName?: string, space_name?: string, spaceUsedSize?: number, space_used_size?: number }>): number =>
  spaces.filter((s) => YOUNG.has((s.spaceName ?? s.space_name)!)).reduce((n, s) => n + (s.spaceUsedSize ?? s.space_used_size)!, 0)

async function server(listener: boolean): Promise<void> {
  const { createApp } = await import('../../lib/index.js')
  const { kOnEnd } = await import('../../lib/symbols.js')
  const app = createApp({ admission: false })
  let ended = 0
  if (listener) (app as unknown as Record<symbol, (l: unknown) => void>)[kOnEnd]!({ onEnd() { ended++ } })
  app.get('/miss/:id', (req) => ({ id: req.params.id, ok: true }))
  app.get('/hit', { cache: { ttlMs: 3_600_000 } }, () => ({ cached: true }))
  app.get('/async', async () => ({ later: true }))
  const { port } = await app.listen(0)
  let profiler: GCProfiler | null = null
  let start = 0
  process.on('message', (m: string) => {
    if (m === 'start') {
      profiler = new GCProfiler()
      profiler.start()
      start = young(getHeapSpaceStatistics())
      process.send!('started')
    } else if (m === 'stop') {
      const end = young(getHeapSpaceStatistics())
      const stats = profiler!.stop().statistics
      let bytes = end - start
      for (const s of stats) bytes += young(s.beforeGC.heapSpaceStatistics) - young(s.afterGC.heapSpaceStatistics)
      process.send!(JSON.stringify({ bytes, gcs: stats.length, ended }))
    } else if (m === 'exit') {
      void app.close().then(() => process.exit(0))
    }
  })
  process.send!(JSON.stringify({ port }))
}

/** n requests for path, one at a time on one keep-alive connection. */
function drive(port: number, path: string, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const line = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)
    let left = n
    let buffered = ''
    socket.on('error', reject)
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1')
      // Each answer here has a body under 100 bytes and no chunking: count heads.
      let at
      while ((at = buffered.indexOf('HTTP/1.1 ', 1)) > 0 || (buffered.endsWith('}') && buffered.startsWith('HTTP/1.1'))) {
        buffered = at > 0 ? buffered.slice(at) : ''
        if (--left === 0) { socket.end(); return resolve() }
        socket.write(line)
      }
    })
    socket.write(line)
  })
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000)
  const listener = process.argv.includes('--listener')
  const child = fork(fileURLToPath(import.meta.url), ['--server', ...(listener ? ['--listener'] : [])], {
    execArgv: ['--max-semi-space-size=1'],
  })
  const next = () => new Promise<string>((r) => child.once('message', (m) => r(String(m))))
  const { port } = JSON.parse(await next()) as { port: number }
  console.log(`| route | bytes per request | scavenges | listener |`)
  console.log(`| --- | --- | --- | --- |`)
  for (const [label, path] of [['handler (GET /miss/:id)', '/miss/1'], ['cache hit (GET /hit)', '/hit'], ['async handler', '/async']] as const) {
    await drive(port, path, 2000) // warm-up: optimized code, settled field representations
    child.send('start')
    await next()
    await drive(port, path, n)
    child.send('stop')
    const r = JSON.parse(await next()) as { bytes: number, gcs: number }
    console.log(`| ${label} | ${(r.bytes / n).toFixed(0)} | ${r.gcs} | ${listener ? 'yes' : 'no'} |`)
  }
  child.send('exit')
}

if (process.argv.includes('--server')) void server(process.argv.includes('--listener'))
else void main()

// griddle with telemetry on: recording, a StatsD flush every second (to a
// UDP sink) and /metrics scraped every second from the admin listener. The
// sink and the scraper run in a child process on the load generator's core.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { start } from './griddle-kit.js'

const token = 'bench-telemetry-token-0123456789'
const sink = spawn('taskset', ['-c', process.env.BENCH_CLIENT_CPU ?? '1', process.execPath, fileURLToPath(new URL('./telemetry-sink.js', import.meta.url))],
  { env: { ...process.env, BENCH_ADMIN_TOKEN: token }, stdio: ['pipe', 'pipe', 'inherit'] })
const udpPort = await new Promise<number>((resolve, reject) => {
  let out = ''
  sink.stdout!.on('data', (c: Buffer) => {
    out += c.toString()
    const m = /SINK (\d+)/.exec(out)
    if (m) resolve(Number(m[1]))
  })
  sink.once('exit', (code) => reject(new Error(`telemetry sink exited ${code}`)))
})
await start({
  app: { statsd: { port: udpPort, intervalMs: 1000 }, admin: { port: 0, token } },
  listening: (address) => sink.stdin!.write(`ADMIN ${address.admin!.port}\n`),
})

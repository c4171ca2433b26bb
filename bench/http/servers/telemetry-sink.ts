// The far side of the telemetry-on server, in its own process on the load
// generator's core: a UDP socket that takes the StatsD datagrams (and counts
// them), and a scraper that GETs /metrics from the admin listener once a
// second. Prints `SINK <udp port>` once bound; the parent then sends
// `ADMIN <port>` on stdin.
import { createSocket } from 'node:dgram'
import { request } from 'node:http'

const token = process.env.BENCH_ADMIN_TOKEN ?? ''
const udp = createSocket('udp4')
let datagrams = 0
udp.on('message', () => { datagrams++ })
udp.bind(0, '127.0.0.1', () => process.stdout.write(`SINK ${udp.address().port}\n`))

function scrape(port: number): void {
  const req = request({ host: '127.0.0.1', port, path: '/metrics', headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
    res.resume()
    if (res.statusCode !== 200) process.stderr.write(`telemetry-sink: /metrics answered ${res.statusCode}\n`)
  })
  req.on('error', (err) => process.stderr.write(`telemetry-sink: ${err.message}\n`))
  req.end()
}

process.stdin.setEncoding('utf8')
process.stdin.on('data', (text: string) => {
  const m = /ADMIN (\d+)/.exec(text)
  if (m) setInterval(() => scrape(Number(m[1])), 1000)
})
// The parent's exit closes stdin: leave with it.
process.stdin.on('end', () => {
  process.stderr.write(`telemetry-sink: ${datagrams} datagrams\n`)
  process.exit(0)
})

/**
 * The StatsD flusher: once per interval (one per process, on the thread that
 * owns the admin side), what happened since the last flush goes out over UDP
 * as aggregates: counters as deltas (`|c`), figures and latency percentiles
 * as gauges (`|g`), lines packed into datagrams up to the MTU. Requests never
 * do I/O; a lost or refused datagram is counted, never thrown.
 */
import { createSocket, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Stats, SeriesStats } from './stats.js'
import type { StatsSnapshot } from './app-stats.js'
import type { TelemetryOptions } from './options.js'

type Options = NonNullable<TelemetryOptions['statsd']>

/** "/users/:id" → "users._id": Graphite's dots become the path's levels; the reference daemon would rewrite "/" and drop ":". */
export function sanitizeRoute(route: string | null): string {
  if (route === null) return 'unmatched'
  const parts = route.split('/').filter((p) => p.length > 0).map((p) => p.replace(/\*/g, 'wildcard').replace(/:/g, '_').replace(/[^A-Za-z0-9_-]/g, '_'))
  return parts.length === 0 ? 'root' : parts.join('.')
}

function tagValue(v: string): string {
  return v.replace(/[,|#\s]/g, '_')
}

const LATENCY: Array<[keyof SeriesStats['latencyMs'], string]> = [['p50', 'p50'], ['p90', 'p90'], ['p99', 'p99'], ['p999', 'p99_9'], ['max', 'max']]

export interface StatsdCounters {
  /** Datagrams handed to the socket. */
  packets: number
  /** Send failures and socket errors (no daemon, ICMP port unreachable, DNS). */
  errors: number
  flushes: number
}

export class StatsdFlusher {
  readonly counters: StatsdCounters = { packets: 0, errors: 0, flushes: 0 }
  private readonly socket: Socket
  private readonly baseline: ReturnType<Stats['baseline']>
  /** ",host:web-1": the global tags, rendered once. */
  private readonly global: string
  private connected = false
  private timer: NodeJS.Timeout | null = null
  private lastGcCount = 0
  private inFlight = 0
  private closing = false

  constructor(private readonly stats: Stats, private readonly o: Options, private readonly process: () => StatsSnapshot['process'],
    private readonly problem: (detail: string) => void = () => {}) {
    this.baseline = stats.baseline()
    this.global = Object.entries(o.globalTags ?? {}).map(([k, v]) => `,${k}:${v}`).join('')
    this.socket = createSocket(isIPv6(o.host) ? 'udp6' : 'udp4')
    this.socket.on('error', (err) => this.failed(err))
    this.socket.unref()
  }

  start(): void {
    if (this.timer !== null) return
    // A connected socket hears ICMP port-unreachable, so a missing daemon is counted.
    this.socket.connect(this.o.port, this.o.host, () => { this.connected = true })
    this.timer = setInterval(() => this.flush(), this.o.intervalMs)
    this.timer.unref()
  }

  /** Sends what happened since the last flush; returns the lines sent (for tests). */
  flush(): string[] {
    const lines = this.lines()
    this.counters.flushes++
    this.send(lines)
    return lines
  }

  /** Flushes once more, then closes the socket once those datagrams are sent. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    if (this.closing) return
    this.closing = true
    if (this.connected) this.flush()
    if (this.inFlight === 0) this.close()
  }

  private close(): void {
    try {
      this.socket.close()
    } catch {
      // already closed
    }
  }

  private name(metric: string, s: SeriesStats | null): string {
    const p = this.o.prefix
    if (s === null) return `${p}${metric}`
    if (this.o.tags === 'dogstatsd') return `${p}${metric}`
    return `${p}${metric}.${sanitizeRoute(s.route)}.${s.method}.${s.status}`
  }

  private tags(s: SeriesStats | null): string {
    if (this.o.tags !== 'dogstatsd') return ''
    if (s === null) return this.global.length === 0 ? '' : `|#${this.global.slice(1)}`
    return `|#route:${tagValue(s.route ?? 'unmatched')},method:${s.method},status:${s.status},arm:${tagValue(s.arm)}${this.global}`
  }

  private lines(): string[] {
    const out: string[] = []
    const counter = (metric: string, s: SeriesStats | null, v: number) => { if (v > 0) out.push(`${this.name(metric, s)}:${v}|c${this.tags(s)}`) }
    const gauge = (metric: string, s: SeriesStats | null, v: number) => out.push(`${this.name(metric, s)}:${round(v)}|g${this.tags(s)}`)
    // StatsD sums counters itself: one per series, no separate totals.
    for (const s of this.stats.read(this.baseline).series) {
      counter('requests', s, s.requests)
      counter('response_bytes', s, s.bytes)
      counter('cache.hits', s, s.hits)
      counter('cache.misses', s, s.misses)
      counter('cache.stale', s, s.stale)
      counter('shed', s, s.shed)
      for (const [key, label] of LATENCY) gauge(`latency_ms.${label}`, s, s.latencyMs[key])
    }
    const p = this.process()
    gauge('process.rss_bytes', null, p.memory.rssBytes)
    gauge('process.heap_used_bytes', null, p.memory.heapUsedBytes)
    gauge('process.eventloop_delay_ms.p99', null, Math.max(0, ...p.threads.map((t) => t.loopDelayMs.p99)))
    gauge('process.eventloop_delay_ms.max', null, Math.max(0, ...p.threads.map((t) => t.loopDelayMs.max)))
    gauge('process.gc_pause_ms.p99', null, p.gc.p99Ms)
    counter('process.gc_pauses', null, p.gc.count - this.lastGcCount)
    this.lastGcCount = p.gc.count
    gauge('connections.open', null, p.openConnections)
    gauge('cache.bytes', null, p.cache.bytes)
    gauge('cache.entries', null, p.cache.entries)
    gauge('statsd.errors', null, this.counters.errors)
    return out
  }

  private send(lines: string[]): void {
    for (const p of packets(lines, this.o.mtu)) this.datagram(p)
  }

  private datagram(text: string): void {
    if (!this.connected) {
      this.counters.errors++
      return
    }
    this.counters.packets++
    this.inFlight++
    try {
      this.socket.send(Buffer.from(text), (err) => {
        if (err) this.failed(err)
        if (--this.inFlight === 0 && this.closing) this.close()
      })
    } catch (err) {
      this.inFlight--
      this.failed(err)
    }
  }

  private failed(err: unknown): void {
    this.counters.errors++
    const e = err as { code?: unknown, message?: unknown }
    this.problem(typeof e?.code === 'string' ? e.code : String(e?.message ?? err))
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000
}

/** Packs lines into datagrams of at most `mtu` bytes (a longer line goes alone): never one datagram per metric. */
export function packets(lines: string[], mtu: number): string[] {
  const out: string[] = []
  let packet = ''
  for (const line of lines) {
    const joined = packet.length === 0 ? line : packet + '\n' + line
    if (Buffer.byteLength(joined) <= mtu || packet.length === 0) packet = joined
    else {
      out.push(packet)
      packet = line
    }
  }
  if (packet.length > 0) out.push(packet)
  return out
}

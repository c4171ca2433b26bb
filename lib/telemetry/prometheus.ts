/**
 * Prometheus text exposition (format 0.0.4) of the shared statistics, with
 * OpenTelemetry semantic-convention names. The histogram's few fixed buckets
 * are counted natively from the HDR buckets (a latency counts as at or below
 * `le` when its HDR bucket's midpoint is: within 0.78 % of the bound).
 */
import type { Stats, SeriesStats } from './stats.js'
import type { StatsSnapshot } from './app-stats.js'

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Seconds: 100 µs to 10 s, roughly three per decade. */
export const BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const

/** A label value: backslash, double quote and line feed escaped (the format's only escapes). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

function labels(s: SeriesStats): string {
  return `http_route="${escapeLabel(s.route ?? '')}",http_request_method="${s.method}",` +
    `http_response_status_code="${s.status}",griddle_arm="${escapeLabel(s.arm)}"`
}

class Text {
  readonly lines: string[] = []

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }

  sample(name: string, labelText: string, value: number): void {
    this.lines.push(labelText.length === 0 ? `${name} ${num(value)}` : `${name}{${labelText}} ${num(value)}`)
  }
}

function requestFamilies(t: Text, series: SeriesStats[]): void {
  const h = 'http_server_request_duration_seconds'
  t.family(h, 'histogram', 'Duration of HTTP server requests, from griddle\'s dispatch call to the end of the response.')
  for (const s of series) {
    const l = labels(s)
    BOUNDS.forEach((le, i) => t.sample(`${h}_bucket`, `${l},le="${le}"`, s.buckets[i]!))
    t.sample(`${h}_bucket`, `${l},le="+Inf"`, s.requests)
    t.sample(`${h}_sum`, l, s.sumSeconds)
    t.sample(`${h}_count`, l, s.requests)
  }
  const counters: Array<[string, string, keyof SeriesStats]> = [
    ['griddle_response_body_bytes_total', 'Response body bytes handed to the server.', 'bytes'],
    ['griddle_cache_hits_total', 'Answers from the response cache (including 304).', 'hits'],
    ['griddle_cache_misses_total', 'Requests to cached routes that ran the handler.', 'misses'],
    ['griddle_cache_stale_total', 'Stale cache answers given while a refresh ran.', 'stale'],
    ['griddle_shed_total', 'Requests refused by admission control (503).', 'shed'],
    ['griddle_ghost_runs_total', 'Ghost runs of candidate releases.', 'ghost'],
  ]
  for (const [name, help, field] of counters) {
    t.family(name, 'counter', help)
    for (const s of series) t.sample(name, labels(s), s[field] as number)
  }
}

function processFamilies(t: Text, snap: StatsSnapshot['process'], dropped: number): void {
  t.family('griddle_stats_dropped_total', 'counter', 'Outcomes not recorded because the series table was full.')
  t.sample('griddle_stats_dropped_total', '', dropped)
  t.family('griddle_cache_bytes', 'gauge', 'Bytes held by the response cache.')
  t.sample('griddle_cache_bytes', '', snap.cache.bytes)
  t.family('griddle_cache_entries', 'gauge', 'Entries in the response cache.')
  t.sample('griddle_cache_entries', '', snap.cache.entries)
  t.family('griddle_requests_in_flight', 'gauge', 'Requests waiting for their body or handler.')
  t.sample('griddle_requests_in_flight', '', snap.inFlight)
  // Not http_server_active_requests: that OpenTelemetry name counts requests in flight. The semantic
  // conventions have no vendor-neutral server connection metric; this follows the stable
  // kestrel.active_connections (an up-down count of {connection}) under griddle's own prefix.
  t.family('griddle_active_connections', 'gauge', 'Open HTTP connections, per thread (other threads\' figures up to a second old).')
  for (const th of snap.threads) t.sample('griddle_active_connections', `thread_id="${th.threadId}"`, th.openConnections)
  t.family('nodejs_eventloop_delay_seconds', 'gauge', 'Event-loop delay over the last second, per thread.')
  for (const th of snap.threads) {
    for (const [q, v] of [['0.5', th.loopDelayMs.p50], ['0.99', th.loopDelayMs.p99], ['1', th.loopDelayMs.max]] as const) {
      t.sample('nodejs_eventloop_delay_seconds', `thread_id="${th.threadId}",quantile="${q}"`, v / 1000)
    }
  }
  t.family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used, per thread.')
  for (const th of snap.threads) t.sample('nodejs_heap_size_used_bytes', `thread_id="${th.threadId}"`, th.heapUsedBytes)
  t.family('nodejs_gc_duration_seconds', 'gauge', 'GC pause durations of the thread serving this scrape.')
  for (const [q, v] of [['0.5', snap.gc.p50Ms], ['0.99', snap.gc.p99Ms], ['1', snap.gc.maxMs]] as const) {
    t.sample('nodejs_gc_duration_seconds', `quantile="${q}"`, v / 1000)
  }
  t.family('nodejs_gc_pauses_total', 'counter', 'GC pauses of the thread serving this scrape.')
  t.sample('nodejs_gc_pauses_total', '', snap.gc.count)
  t.family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.')
  t.sample('process_resident_memory_bytes', '', snap.memory.rssBytes)
  t.family('process_uptime_seconds', 'gauge', 'Seconds since the statistics started.')
  t.sample('process_uptime_seconds', '', Math.round(process.uptime()))
}

/** The whole exposition: request histograms and counters, then process figures. */
export function renderMetrics(stats: Stats, snap: StatsSnapshot): string {
  const t = new Text()
  const reading = stats.read(null, BOUNDS)
  requestFamilies(t, reading.series)
  processFamilies(t, snap.process, reading.dropped)
  return t.lines.join('\n') + '\n'
}

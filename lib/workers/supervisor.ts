/**
 * The supervisor behind `griddle start`: one generation of serve() workers
 * at a time on one port, and the zero-downtime handover to a new build.
 * A reload starts a new generation beside the old one (new worker threads:
 * each imports the app module and everything it imports afresh), waits for
 * every one of its workers to be ready, and only then drains the old one.
 * A new build that fails is closed and the old one keeps serving. The old
 * listeners close one at a time while new connections are steered to the
 * new ones (steered-handover.ts), so that none is reset in a closing
 * listener's accept queue.
 */
import { serve, serveGeneration, type Cluster, type ServeOptions } from './workers.js'
import { kGroup, kTelemetry, kUnlistenOne, kWorkers } from '../symbols.js'
import type { ReuseportGroup } from './reuseport-group.js'
import { handoverListeners, type HandoverOutcome } from './steered-handover.js'
import type { TelemetryView } from '../telemetry/admin-routes.js'
import type { ClusterTelemetry } from './cluster-telemetry.js'

export interface SupervisorOptions extends ServeOptions {
  /** How long a draining generation keeps serving its open connections with `Connection: close` (default 1,000 ms). */
  lingerMs?: number
}

export interface ReloadResult {
  /** The generation serving after this attempt. */
  generation: number
  ok: boolean
  /** Why the new build was abandoned (ok false). */
  error?: string
  /** When the attempt ended (ISO 8601). */
  at: string
  /** From the reload call to the new generation being ready (ok true). */
  readyMs?: number
}

/** A cluster as the supervisor sees it: with its workers and its port's group (workers.ts). */
type Generation = Cluster & {
  [kGroup]: ReuseportGroup
  [kWorkers](): ReadonlySet<object>
  [kUnlistenOne](worker: object): Promise<void>
}

export class Supervisor {
  private current: Cluster
  private generationNo = 1
  private queue: Promise<unknown> = Promise.resolve()
  private draining = new Set<Promise<void>>()
  private stopping: Promise<void> | null = null
  /** The last reload attempt, or null before the first. */
  last: ReloadResult | null = null
  private watched = false

  private constructor(private readonly o: SupervisorOptions & { log: (line: string) => void }, first: Cluster) {
    this.current = first
  }

  /** Starts generation 1; rejects (with nothing left running) when it cannot get ready. */
  static async start(options: SupervisorOptions): Promise<Supervisor> {
    const { lingerMs: _, ...serveOptions } = options
    const log = options.log ?? ((line: string) => console.error(line))
    const first = await serve({ ...serveOptions, log })
    return new Supervisor({ ...options, log, port: first.port }, first)
  }

  get port(): number { return this.current.port }
  get host(): string { return this.current.host }
  get generation(): number { return this.generationNo }
  get workers(): number { return this.current.size }

  /**
   * telemetry: the serving generation's statistics, for an admin listener
   * outside the clusters (griddle start's). Each generation has its own
   * registry, so totals start again at a reload.
   */
  telemetry(): TelemetryView {
    const of = (): ClusterTelemetry => (this.current as Cluster & { [kTelemetry]: ClusterTelemetry })[kTelemetry]
    if (!this.watched) of().watch()
    this.watched = true
    return { get stats() { return of().view.stats }, snapshot: () => of().snapshot(), get ring() { return of().view.ring } }
  }

  /**
   * Hands over to a new build of the app module. Reloads run one at a time;
   * a reload asked for while stopping is refused.
   */
  reload(): Promise<ReloadResult> {
    const next = this.queue.then(() => this.handover())
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Drains every generation (SIGTERM): stop accepting, finish in-flight requests, then close. */
  stop(): Promise<void> {
    this.stopping ??= this.queue.then(async () => {
      await this.current.unlisten()
      await this.current.drain(this.o.lingerMs ?? 1000)
      await Promise.all(this.draining)
    })
    return this.stopping
  }

  private async handover(): Promise<ReloadResult> {
    const t0 = performance.now()
    const no = this.generationNo + 1
    if (this.stopping !== null) return this.record({ generation: this.generationNo, ok: false, error: 'the server is stopping', at: '' })
    const { lingerMs: _, ...serveOptions } = this.o
    let fresh: Cluster
    try {
      // Ready means: every worker imported the module afresh, its default export resolved, and it listens.
      fresh = await serveGeneration({ ...serveOptions, port: this.current.port }, (this.current as Generation)[kGroup])
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      this.o.log(`griddle: reload to generation ${no} abandoned, generation ${this.generationNo} keeps serving: ${why}`)
      return this.record({ generation: this.generationNo, ok: false, error: why, at: '' })
    }
    const old = this.current
    const oldNo = this.generationNo
    this.current = fresh
    this.generationNo = no
    if (this.watched) (fresh as Cluster & { [kTelemetry]: ClusterTelemetry })[kTelemetry].watch()
    const readyMs = Math.round(performance.now() - t0)
    // First every old worker stops listening, then they all send clients away: see App.stopListening.
    const done = this.closeListeners(old as Generation, fresh as Generation, oldNo).then(() => old.drain(this.o.lingerMs ?? 1000)).then(() => {
      this.draining.delete(done)
      this.o.log(`griddle: generation ${oldNo} drained`)
    })
    this.draining.add(done)
    this.o.log(`griddle: generation ${no} ready in ${readyMs} ms (${fresh.size} workers); draining generation ${oldNo}`)
    // The next reload waits for this drain: two old generations closing at once would only add sockets in flight.
    await done
    return this.record({ generation: no, ok: true, at: '', readyMs })
  }

  /** The old generation's listeners, closed one at a time with new connections steered away from them. */
  private async closeListeners(old: Generation, fresh: Generation, oldNo: number): Promise<void> {
    const o: HandoverOutcome = await handoverListeners(old[kGroup], old[kWorkers](), fresh[kWorkers](), (w) => old[kUnlistenOne](w))
    if (o.steered) {
      this.o.log(`griddle: generation ${oldNo} stopped listening, new connections steered away from it` +
        (o.queuesEmpty === true ? ` (its accept queues empty after ${o.queuesMs} ms)` : ` (its accept queues still held connections after ${o.queuesMs} ms)`))
    } else {
      old[kGroup].tell(`griddle: new connections are not steered at a reload (${o.why}): a connection arriving on a closing listener can be reset; ` +
        'net.ipv4.tcp_migrate_req=1 moves it instead (docs/deploy.md)')
    }
  }

  private record(r: ReloadResult): ReloadResult {
    r.at = new Date().toISOString()
    this.last = r
    return r
  }
}

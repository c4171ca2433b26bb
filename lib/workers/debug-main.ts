/**
 * The main thread's half of /debug/* under serve(): a ThreadProvider over the
 * cluster's workers. Each ask goes to the worker by message with an id; the
 * worker captures in its own thread (lib/workers/debug-worker.ts) and posts
 * the result back. 'main' is captured here. A worker that exits, or does not
 * answer in time (its loop blocked), fails the ask with a coded error
 * instead of leaving the request hanging.
 */
import type { Worker } from 'node:worker_threads'
import { captureProfile, type CpuProfile, type ThreadRef } from '../admin/debug-profile.js'
import { heapChunks, type ThreadProvider } from '../admin/debugger.js'
import { GriddleError, type ErrorCode, ERRORS } from '../errors.js'
import { gcHistogram, observeGc, type GcHistogram } from '../telemetry/gc-pauses.js'
import { DEBUG_ASK, isDebugReply, type DebugAsk, type DebugReply } from './debug-protocol.js'

/** Beyond the profile's own seconds: the worker stops the profiler and posts a profile of some MB. */
const PROFILE_GRACE_MS = 30_000
/** Serialising a large heap takes a while; 5 minutes covers a few GB. */
const HEAP_TIMEOUT_MS = 300_000
const GC_TIMEOUT_MS = 5_000

type Ask = { op: 'profile', seconds: number, intervalUs?: number } | { op: 'heap' } | { op: 'gc' }

interface Pending {
  worker: Worker
  thread: number
  op: Ask['op']
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  chunks: Buffer[]
  timer: NodeJS.Timeout
}

export class WorkerThreads implements ThreadProvider {
  private readonly workers = new Map<number, Worker>()
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  // The main thread's GC counts start with the cluster: a histogram that begins when first asked would be empty.
  private unobserveGc: (() => void) | null = observeGc()

  /** Called by the cluster for each worker it starts (and restarts, under the same index). */
  attach(index: number, worker: Worker): void {
    this.workers.set(index, worker)
    worker.on('message', (m: unknown) => { if (isDebugReply(m)) this.receive(m) })
    worker.once('exit', () => {
      if (this.workers.get(index) === worker) this.workers.delete(index)
      for (const [id, p] of this.pending) {
        if (p.worker === worker) this.settle(id, new GriddleError('GRIDDLE_ERR_WORKER', `worker ${index} exited during the debug request`))
      }
    })
  }

  threads(): ThreadRef[] {
    return ['main', ...[...this.workers.keys()].sort((a, b) => a - b)]
  }

  profile(thread: ThreadRef, seconds: number, intervalUs?: number): Promise<CpuProfile> {
    if (thread === 'main') return captureProfile(seconds, intervalUs)
    return this.ask(thread, { op: 'profile', seconds, intervalUs }, seconds * 1000 + PROFILE_GRACE_MS) as Promise<CpuProfile>
  }

  async heap(thread: ThreadRef): Promise<Buffer[]> {
    if (thread === 'main') return heapChunks()
    return this.ask(thread, { op: 'heap' }, HEAP_TIMEOUT_MS) as Promise<Buffer[]>
  }

  gc(thread: ThreadRef): Promise<GcHistogram> {
    if (thread === 'main') return Promise.resolve(gcHistogram())
    return this.ask(thread, { op: 'gc' }, GC_TIMEOUT_MS) as Promise<GcHistogram>
  }

  /** The cluster closed: stop counting the main thread's GC. */
  close(): void {
    this.unobserveGc?.()
    this.unobserveGc = null
  }

  private ask(thread: number, ask: Ask, timeoutMs: number): Promise<unknown> {
    const worker = this.workers.get(thread)
    if (worker === undefined) return Promise.reject(new GriddleError('GRIDDLE_ERR_THREAD_NOT_FOUND', `no worker ${thread}`))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, new GriddleError('GRIDDLE_ERR_DEBUG_TIMEOUT',
        `worker ${thread} did not answer ${ask.op} within ${Math.round(timeoutMs / 1000)} s (is its event loop blocked?)`)), timeoutMs)
      timer.unref()
      this.pending.set(id, { worker, thread, op: ask.op, resolve, reject, chunks: [], timer })
      worker.postMessage({ type: DEBUG_ASK, id, ...ask } as DebugAsk)
    })
  }

  private receive(m: DebugReply): void {
    const p = this.pending.get(m.id)
    if (p === undefined) return  // timed out already
    if (m.chunk !== undefined) p.chunks.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength))
    if (m.done !== true) return
    if (m.error !== undefined) {
      const code = m.error.code !== undefined && m.error.code in ERRORS ? m.error.code as ErrorCode : 'GRIDDLE_ERR_WORKER'
      return this.settle(m.id, new GriddleError(code, `worker ${p.thread}: ${m.error.message}`))
    }
    this.settle(m.id, null, p.op === 'heap' ? p.chunks : m.value)
  }

  private settle(id: number, err: Error | null, value?: unknown): void {
    const p = this.pending.get(id)
    if (p === undefined) return
    this.pending.delete(id)
    clearTimeout(p.timer)
    if (err !== null) p.reject(err)
    else p.resolve(value)
  }
}

/**
 * What the /debug/* routes ask of a process: CPU profiles, heap snapshots
 * and GC histograms of its threads. A Debugger holds the rules every
 * provider shares (one capture at a time, 404 for a thread that does not
 * exist, `all` fanned out to every thread); a ThreadProvider does the
 * capture on one thread. createApp's admin listener gets the main thread
 * alone (mainThreadOnly); serve() adds its workers (lib/workers/debug-main.ts)
 * as `cluster.debug`.
 */
import { GriddleError } from '../errors.js'
import { gcHistogram, type GcHistogram } from '../telemetry/gc-pauses.js'
import { captureHeap } from './debug-heap.js'
import { captureProfile, checkProfile, claimCapture, type CpuProfile, type ProfileRequest, type ThreadRef } from './debug-profile.js'

/** Does the capture on one thread; the Debugger has already checked the request and holds the lock. */
export interface ThreadProvider {
  /** The threads that exist now, 'main' first. */
  threads(): ThreadRef[]
  profile(thread: ThreadRef, seconds: number, intervalUs?: number): Promise<CpuProfile>
  /** The snapshot's JSON text in chunks, in order. */
  heap(thread: ThreadRef): Promise<Buffer[]>
  gc(thread: ThreadRef): Promise<GcHistogram>
}

/** One entry of a `thread=all` answer: the thread's result, or why it has none (a worker that exited meanwhile). */
export type PerThread<T, K extends string> = { thread: ThreadRef } & ({ [key in K]: T } | { error: { code: string, message: string } })

export interface AllProfiles { threads: Array<PerThread<CpuProfile, 'profile'>> }
export interface AllGc { threads: Array<PerThread<GcHistogram, 'gc'>> }

export class Debugger {
  constructor(private readonly provider: ThreadProvider) {}

  /** The threads that can be asked for now. */
  threads(): ThreadRef[] {
    return this.provider.threads()
  }

  /** A .cpuprofile of one thread, or `{ threads: [{ thread, profile }] }` of every thread (thread 'all'), profiled at once. */
  async profile(req: ProfileRequest): Promise<CpuProfile | AllProfiles> {
    checkProfile(req)
    const thread = req.thread ?? 'main'
    const one = thread === 'all' ? null : this.existing(thread)
    const release = claimCapture()
    try {
      if (one !== null) return await this.provider.profile(one, req.seconds, req.intervalUs)
      return { threads: await each(this.provider.threads(), 'profile', (t) => this.provider.profile(t, req.seconds, req.intervalUs)) }
    } finally {
      release()
    }
  }

  /** A heap snapshot of one thread as its JSON text (a .heapsnapshot file), in chunks. */
  async heap(req: { thread?: ThreadRef | 'all' }): Promise<Buffer[]> {
    if (req.thread === 'all') throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'a heap snapshot is of one thread: give thread=main or a worker number')
    const thread = this.existing(req.thread ?? 'main')
    const release = claimCapture()
    try {
      return await this.provider.heap(thread)
    } finally {
      release()
    }
  }

  /** The GC pause histogram of one thread, or of every thread. Needs no lock: it only reads counters. */
  async gc(req: { thread?: ThreadRef | 'all' }): Promise<GcHistogram | AllGc> {
    const thread = req.thread ?? 'main'
    if (thread !== 'all') return this.provider.gc(this.existing(thread))
    return { threads: await each(this.provider.threads(), 'gc', (t) => this.provider.gc(t)) }
  }

  private existing(thread: ThreadRef): ThreadRef {
    if (thread !== 'main' && !(Number.isInteger(thread) && thread >= 0)) {
      throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', `thread must be 'main', 'all' or a worker number, got ${String(thread)}`)
    }
    if (!this.provider.threads().includes(thread)) {
      throw new GriddleError('GRIDDLE_ERR_THREAD_NOT_FOUND', `no thread ${String(thread)}; threads: ${this.provider.threads().join(', ')}`)
    }
    return thread
  }
}

async function each<T, K extends string>(threads: ThreadRef[], key: K, run: (t: ThreadRef) => Promise<T>): Promise<Array<PerThread<T, K>>> {
  return Promise.all(threads.map(async (thread) => {
    try {
      return { thread, [key]: await run(thread) } as PerThread<T, K>
    } catch (err) {
      const e = err as { code?: string, message?: string }
      return { thread, error: { code: e.code ?? 'GRIDDLE_ERR_INTERNAL', message: e.message ?? String(err) } }
    }
  }))
}

/** The calling thread's own captures, for the thread the admin listener runs on. */
export async function heapChunks(): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  await captureHeap((c) => chunks.push(c))
  return chunks
}

/** createApp's provider: the main thread only. */
export const mainThreadOnly: ThreadProvider = {
  threads: () => ['main'],
  profile: (_t, seconds, intervalUs) => captureProfile(seconds, intervalUs),
  heap: () => heapChunks(),
  gc: async () => gcHistogram(),
}

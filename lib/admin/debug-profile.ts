/**
 * CPU profiles, for GET /debug/profile on the admin listener: V8's sampling
 * profiler through a node:inspector session of the calling thread, as one
 * plain .cpuprofile object (Chrome DevTools and speedscope load it as is).
 * Nothing is attached while no profile runs: the session is opened per
 * capture and closed after, so the cost at rest is zero. One capture at a
 * time per process (profile or heap snapshot, any thread); a second one
 * meanwhile gets GRIDDLE_ERR_PROFILE_BUSY (409).
 */
import { Session } from 'node:inspector/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { GriddleError } from '../errors.js'

/** A thread of the process: 'main', or a serve() worker's index (0 … workers - 1). */
export type ThreadRef = 'main' | number

export interface ProfileRequest {
  seconds: number
  /** 'main' (or absent) is the thread the admin listener runs on; a number is a serve() worker; 'all' is every thread */
  thread?: ThreadRef | 'all'
  /** sampling interval in µs (V8's default is 1000) */
  intervalUs?: number
}

/** The V8 CPU profile format (Profiler.Profile of the DevTools protocol). */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[]; hitCount?: number }>
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export const MAX_PROFILE_SECONDS = 300

let running = false

/** True while a profile or heap snapshot is being taken anywhere in the process (for a status page). */
export function profiling(): boolean {
  return running
}

/**
 * Takes the process-wide capture slot, or throws GRIDDLE_ERR_PROFILE_BUSY;
 * the returned function gives it back. Every capture goes through the main
 * thread's debugger, so a module variable is the whole lock.
 */
export function claimCapture(): () => void {
  if (running) throw new GriddleError('GRIDDLE_ERR_PROFILE_BUSY')
  running = true
  let released = false
  return () => {
    if (!released) running = false
    released = true
  }
}

/** Throws the coded 400 for seconds or an interval out of range. */
export function checkProfile(req: { seconds: number, intervalUs?: number }): void {
  if (typeof req.seconds !== 'number' || !(req.seconds > 0) || req.seconds > MAX_PROFILE_SECONDS) {
    throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', `seconds must be a number above 0 and at most ${MAX_PROFILE_SECONDS}`)
  }
  if (req.intervalUs !== undefined && !(Number.isInteger(req.intervalUs) && req.intervalUs >= 50 && req.intervalUs <= 100_000)) {
    throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'intervalUs must be an integer from 50 to 100000')
  }
}

/** Reads `thread=main|all|N` of a debug query (absent: main); anything else is a coded 400. */
export function parseThread(query: URLSearchParams): ThreadRef | 'all' {
  const t = query.get('thread')
  if (t === null || t === 'main') return 'main'
  if (t === 'all') return 'all'
  if (/^\d{1,3}$/.test(t)) return Number(t)
  throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', `thread must be main, all or a worker number, got "${t}"`)
}

/** Parses `?seconds=N&thread=T` of GET /debug/profile; bad values are coded 400s. */
export function parseProfileQuery(query: URLSearchParams): ProfileRequest {
  const raw = query.get('seconds') ?? '10'
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
  const req: ProfileRequest = { seconds, thread: parseThread(query) }
  checkProfile(req)
  return req
}

/**
 * Profiles the calling thread (main or worker) for `seconds`; no lock: the
 * caller holds it. `keepAlive` false lets the thread end meanwhile (a worker
 * that crashes or closes must not wait for its profile to finish).
 */
export async function captureProfile(seconds: number, intervalUs?: number, keepAlive = true): Promise<CpuProfile> {
  const session = new Session()
  try {
    session.connect()
    await session.post('Profiler.enable')
    if (intervalUs !== undefined) await session.post('Profiler.setSamplingInterval', { interval: intervalUs })
    await session.post('Profiler.start')
    await sleep(seconds * 1000, undefined, { ref: keepAlive })
    const { profile } = await session.post('Profiler.stop') as { profile: CpuProfile }
    await session.post('Profiler.disable')
    return profile
  } finally {
    session.disconnect()
  }
}

/** Profiles the main thread for `seconds`; throws GRIDDLE_ERR_PROFILE_BUSY while another capture runs. */
export async function takeProfile(req: ProfileRequest): Promise<CpuProfile> {
  checkProfile(req)
  if (req.thread !== undefined && req.thread !== 'main') {
    throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'takeProfile() profiles the main thread; a cluster\'s debug.profile() takes worker threads')
  }
  const release = claimCapture()
  try {
    return await captureProfile(req.seconds, req.intervalUs)
  } finally {
    release()
  }
}

/**
 * CPU profiles of a running server, for GET /debug/profile on the admin
 * listener: V8's sampling profiler through a node:inspector session, as one
 * plain .cpuprofile object (Chrome DevTools and speedscope load it as is).
 * Nothing is attached while no profile runs: the session is opened per
 * request and closed after, so the cost at rest is zero. One profile at a
 * time; a second request meanwhile gets GRIDDLE_ERR_PROFILE_BUSY (409).
 */
import { Session } from 'node:inspector/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { GriddleError } from '../errors.js'

export interface ProfileRequest {
  seconds: number
  /** 'main' (or absent) is the thread the admin listener runs on; serve()'s workers come later */
  thread?: 'main' | number | 'all'
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

/** True while a profile is being taken (for a status page). */
export function profiling(): boolean {
  return running
}

function check(req: ProfileRequest): void {
  if (typeof req.seconds !== 'number' || !(req.seconds > 0) || req.seconds > MAX_PROFILE_SECONDS) {
    throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', `seconds must be a number above 0 and at most ${MAX_PROFILE_SECONDS}`)
  }
  if (req.thread !== undefined && req.thread !== 'main') {
    throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'only the main thread can be profiled here (thread=main)')
  }
  if (req.intervalUs !== undefined && !(Number.isInteger(req.intervalUs) && req.intervalUs >= 50 && req.intervalUs <= 100_000)) {
    throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', 'intervalUs must be an integer from 50 to 100000')
  }
}

/** Parses `?seconds=N&thread=T` of GET /debug/profile; bad values are coded 400s. */
export function parseProfileQuery(query: URLSearchParams): ProfileRequest {
  const raw = query.get('seconds') ?? '10'
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN
  const t = query.get('thread')
  const thread = t === null || t === 'main' ? 'main' : t === 'all' ? 'all' : /^\d+$/.test(t) ? Number(t) : NaN
  if (Number.isNaN(thread)) throw new GriddleError('GRIDDLE_ERR_BAD_REQUEST', `thread must be main, all or a worker number, got "${t}"`)
  const req: ProfileRequest = { seconds, thread: thread as ProfileRequest['thread'] }
  check(req)
  return req
}

/** Profiles the main thread for `seconds`; throws GRIDDLE_ERR_PROFILE_BUSY while another runs. */
export async function takeProfile(req: ProfileRequest): Promise<CpuProfile> {
  check(req)
  if (running) throw new GriddleError('GRIDDLE_ERR_PROFILE_BUSY')
  running = true
  const session = new Session()
  try {
    session.connect()
    await session.post('Profiler.enable')
    if (req.intervalUs !== undefined) await session.post('Profiler.setSamplingInterval', { interval: req.intervalUs })
    await session.post('Profiler.start')
    await sleep(req.seconds * 1000)
    const { profile } = await session.post('Profiler.stop') as { profile: CpuProfile }
    await session.post('Profiler.disable')
    return profile
  } finally {
    session.disconnect()
    running = false
  }
}

/**
 * The budget of ghost runs: their options checked, the CPU meter their share
 * is judged on, and which runs also run the stable version a second time
 * (the noise sample of ghost-compare.ts).
 */
import { performance } from 'node:perf_hooks'
import { GriddleTypeError } from '../errors.js'
import { checkCompareOptions } from './ghost-compare.js'
import { MIN_NOISE_RUNS } from './noise.js'
import type { GhostOptions } from './release-types.js'

export interface GhostRunOptions {
  maxConcurrent: number
  cpuShare: number
  timeoutMs: number
  noise: boolean
}

const KNOWN = new Set(['sample', 'compare', 'maxConcurrent', 'cpuShare', 'timeoutMs'])

function bad(detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `ghost: ${detail}`)
}

/** Checks ghost options (GRIDDLE_ERR_INVALID_OPTION, naming the field); `sample` is the release's, checked for range here too. */
export function checkGhostOptions(o: GhostOptions): GhostRunOptions {
  if (o === null || typeof o !== 'object') bad('options must be an object')
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) bad(`unknown option "${k}"`)
  if (typeof o.sample !== 'number' || !(o.sample >= 0 && o.sample <= 1)) bad('sample must be a number from 0 to 1')
  const maxConcurrent = o.maxConcurrent ?? 32
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 10_000) bad('maxConcurrent must be an integer from 1 to 10000')
  const cpuShare = o.cpuShare ?? 0.1
  if (typeof cpuShare !== 'number' || !(cpuShare > 0 && cpuShare <= 1)) bad('cpuShare must be a number above 0, at most 1')
  const timeoutMs = o.timeoutMs ?? 1000
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) bad('timeoutMs must be an integer from 1 to 600000')
  if (o.compare !== undefined && (o.compare === null || typeof o.compare !== 'object')) bad('compare must be an object')
  if (o.compare !== undefined) checkCompareOptions(o.compare)
  const noise = o.compare?.noise ?? true
  return { maxConcurrent, cpuShare, timeoutMs, noise: noise === true }
}

/**
 * Whether ghost run number `n` (from 0) also runs stable a second time: the
 * first 2 × MIN_NOISE_RUNS runs, so paths can be judged early, then one in
 * ten, which keeps discovering rarely noisy paths for a tenth of the cost.
 */
export function noiseRun(n: number): boolean {
  return n < 2 * MIN_NOISE_RUNS || n % 10 === 0
}

/**
 * Time spent over a sliding window, in slots: share() is the time of the
 * last `windowMs` (the current slot included) over `windowMs`. Ghost runs
 * are measured as the synchronous time of their handler calls and their
 * comparison: what they take from this thread's event loop (an awaited
 * database call takes none of it).
 */
export class CpuMeter {
  private readonly slots: Float64Array
  private readonly stamps: Float64Array
  private readonly slotMs: number

  constructor(private readonly windowMs = 1000, count = 10, private readonly now: () => number = () => performance.now()) {
    this.slots = new Float64Array(count)
    this.stamps = new Float64Array(count).fill(-1)
    this.slotMs = windowMs / count
  }

  add(ms: number): void {
    const slot = Math.floor(this.now() / this.slotMs)
    const i = slot % this.slots.length
    if (this.stamps[i] !== slot) {
      this.stamps[i] = slot
      this.slots[i] = 0
    }
    this.slots[i]! += ms
  }

  share(): number {
    const slot = Math.floor(this.now() / this.slotMs)
    let sum = 0
    for (let i = 0; i < this.slots.length; i++) if (slot - this.stamps[i]! < this.slots.length && this.stamps[i]! >= 0) sum += this.slots[i]!
    return sum / this.windowMs
  }
}

/**
 * The ramp-up's rules: options, and the verdict of one controller tick over
 * the current step's window. The controller (lib/traffic/release.ts) acts on
 * the verdict: a breach rolls back at that tick, a pass moves to the next
 * step (or promotes after the last), a hold stays. Missing data holds: a
 * step never passes with fewer than minSamples requests in either arm, or
 * before minStepMs (flagger#1035: a quiet canary must not be promoted).
 */
import { GriddleTypeError } from '../errors.js'
import { knownKeys } from '../util/check.js'
import type { ArmFigures, RampGuards, RampOptions } from './release-types.js'

export interface ResolvedRamp {
  steps: number[]
  minSamples: number
  minStepMs: number
  tickMs: number
  guards: Required<RampGuards>
}

export const DEFAULT_GUARDS: Required<RampGuards> = { p99Ratio: 1.25, p99AbsMs: 2, errorRateDelta: 0.005, mismatchRate: 0.001 }
const RAMP_KEYS = ['steps', 'minSamples', 'minStepMs', 'tickMs', 'guards'] as const
const GUARD_KEYS = ['p99Ratio', 'p99AbsMs', 'errorRateDelta', 'mismatchRate'] as const

function bad(detail: string): never {
  throw new GriddleTypeError('GRIDDLE_ERR_RELEASE_OPTION', `ramp: ${detail}`)
}

function num(name: string, v: unknown, dflt: number, min: number, max: number, integer = false): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    bad(`${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got ${JSON.stringify(v)}`)
  }
  return v
}

export function checkRamp(o: RampOptions | undefined): ResolvedRamp {
  if (o !== undefined && (o === null || typeof o !== 'object')) bad('options must be an object')
  const r = (o ?? {}) as Record<string, unknown>
  knownKeys(r, RAMP_KEYS, 'ramp')
  const steps = r.steps ?? [1, 5, 25, 50, 100]
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 100) bad('steps must be a list of 1 to 100 percentages')
  let last = 0
  for (const s of steps) {
    if (typeof s !== 'number' || !(s > last) || s > 100 || Math.round(s * 100) !== s * 100) bad(`steps must increase within (0, 100] in steps of 0.01, got ${JSON.stringify(steps)}`)
    last = s
  }
  const g = (r.guards ?? {}) as Record<string, unknown>
  if (typeof g !== 'object' || g === null) bad('guards must be an object')
  knownKeys(g, GUARD_KEYS, 'ramp', 'guards.')
  return {
    steps: steps as number[],
    minSamples: num('minSamples', r.minSamples, 1000, 1, 1e9, true),
    minStepMs: num('minStepMs', r.minStepMs, 30_000, 0, 7 * 86_400_000, true),
    tickMs: num('tickMs', r.tickMs, 1000, 10, 3_600_000, true),
    guards: {
      p99Ratio: num('guards.p99Ratio', g.p99Ratio, DEFAULT_GUARDS.p99Ratio, 1, 1000),
      p99AbsMs: num('guards.p99AbsMs', g.p99AbsMs, DEFAULT_GUARDS.p99AbsMs, 0, 3_600_000),
      errorRateDelta: num('guards.errorRateDelta', g.errorRateDelta, DEFAULT_GUARDS.errorRateDelta, 0, 1),
      mismatchRate: num('guards.mismatchRate', g.mismatchRate, DEFAULT_GUARDS.mismatchRate, 0, 1),
    },
  }
}

export type Verdict =
  | { kind: 'breach', reasons: string[], evidence: Record<string, unknown> }
  | { kind: 'pass', evidence: Record<string, unknown> }
  | { kind: 'hold', why: 'samples' | 'time', evidence: Record<string, unknown> }

/** The breaches of the guards by these figures (empty: none). */
export function breaches(g: Required<RampGuards>, stable: ArmFigures, candidate: ArmFigures, mismatchRate: number): string[] {
  const out: string[] = []
  // Both the ratio and the absolute margin: sub-millisecond noise never rolls back.
  if (candidate.p99Ms > stable.p99Ms * g.p99Ratio && candidate.p99Ms - stable.p99Ms > g.p99AbsMs) {
    out.push(`p99 ${candidate.p99Ms} ms against stable ${stable.p99Ms} ms (limits ×${g.p99Ratio} and +${g.p99AbsMs} ms)`)
  }
  if (candidate.errorRate - stable.errorRate > g.errorRateDelta) {
    out.push(`error rate ${candidate.errorRate.toFixed(4)} against stable ${stable.errorRate.toFixed(4)} (limit +${g.errorRateDelta})`)
  }
  if (mismatchRate > g.mismatchRate) out.push(`ghost mismatch rate ${mismatchRate.toFixed(4)} (limit ${g.mismatchRate})`)
  return out
}

/** One tick's verdict on the current step. */
export function judge(r: ResolvedRamp, stable: ArmFigures, candidate: ArmFigures, mismatchRate: number, elapsedMs: number): Verdict {
  const evidence: Record<string, unknown> = {
    stable, candidate, guards: r.guards, mismatchRate, elapsedMs: Math.round(elapsedMs), minSamples: r.minSamples, minStepMs: r.minStepMs,
  }
  if (stable.requests < r.minSamples || candidate.requests < r.minSamples) return { kind: 'hold', why: 'samples', evidence }
  const reasons = breaches(r.guards, stable, candidate, mismatchRate)
  if (reasons.length > 0) return { kind: 'breach', reasons, evidence: { ...evidence, breaches: reasons } }
  if (elapsedMs < r.minStepMs) return { kind: 'hold', why: 'time', evidence }
  return { kind: 'pass', evidence }
}

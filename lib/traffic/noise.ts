/**
 * The noise filter of ghost mode (Diffy's idea, implemented here): on a
 * sample of ghost runs the stable version answers the same frozen request a
 * second time. For each path we keep how often two stable runs differ there
 * (the noise rate) and how often the candidate differs from stable (the
 * candidate rate); a path is a real mismatch only where the candidate rate
 * clears the noise rate by a margin.
 *
 * The rule (`verdict`), and why:
 * - Fewer than MIN_NOISE_RUNS paired stable runs: "pending", counted as
 *   neither. Below that, "never seen noisy" means nothing (a timestamp
 *   field is noisy on every run, so ten runs tell it apart for certain).
 * - A path never seen differing between two stable runs: a mismatch at any
 *   count. A real regression on 0.1 % of requests must show at once, since
 *   the ramp's default mismatch guard is 0.001; a rarely noisy path wrongly
 *   flagged at first is re-judged as soon as the noise sample catches it,
 *   because verdicts are taken when figures are read, not frozen per run.
 * - A path seen noisy: the candidate rate must be above the upper bound of
 *   the noise rate's 99 % Wilson interval (with few noise runs the measured
 *   rate is loose: 3 of 10 is consistent with a true 0.55), and also above
 *   1.2 × the noise rate plus 0.01: for a long run the interval shrinks to
 *   nothing, and the two samples are not drawn at the same instants, so a
 *   drift of a few percent in a noisy field is still noise. The 20 % relative
 *   margin is Diffy's default; the absolute one is ours.
 */

/** Paired stable runs needed before a path can be judged. */
export const MIN_NOISE_RUNS = 10
/** z of a two-sided 99 % interval. */
const Z = 2.576
const RELATIVE = 1.2
const ABSOLUTE = 0.01

export type Verdict = 'mismatch' | 'noise' | 'pending'

/** The Wilson score interval's upper bound for k successes in n trials. */
export function wilsonUpper(k: number, n: number, z = Z): number {
  if (n === 0) return 1
  const p = k / n
  const z2 = z * z
  const centre = p + z2 / (2 * n)
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  return Math.min(1, (centre + spread) / (1 + z2 / n))
}

/**
 * Whether a path is a mismatch: `diffs` of `runs` candidate runs differed
 * from stable there; `noisy` of `noiseRuns` paired stable runs differed
 * between themselves. `filter` false (noise: false): every difference counts.
 */
export function verdict(filter: boolean, diffs: number, runs: number, noisy: number, noiseRuns: number): Verdict {
  if (!filter) return diffs > 0 ? 'mismatch' : 'noise'
  if (noiseRuns < MIN_NOISE_RUNS) return 'pending'
  if (noisy === 0) return diffs > 0 ? 'mismatch' : 'noise'
  const candidate = runs === 0 ? 0 : diffs / runs
  const noise = noisy / noiseRuns
  const bar = Math.max(wilsonUpper(noisy, noiseRuns), noise * RELATIVE + ABSOLUTE)
  return candidate > bar ? 'mismatch' : 'noise'
}

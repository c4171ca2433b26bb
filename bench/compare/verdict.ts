/**
 * Whether a change lies beyond the noise. Each round runs A, B and A′ (A's
 * build again) back to back, so ratios are taken within a round, where the
 * machine's state is most alike:
 *   r_i = B_i / A_i   (the change)        n_i = A′_i / A_i   (the noise)
 * The noise width w is the widest of: the A/A ratios (max |ln n_i|), the
 * spread of A's own samples (ln(max/min)), and a floor of 2 %. B is flagged
 * only when every round's ln r_i lies beyond w on the same side: a change
 * larger than anything the same code showed against itself in this run.
 * With fewer than three paired rounds there is no verdict.
 * The A′ row is judged the same way against the spread of A and A′ alone,
 * which is how a run shows whether its noise estimate can be trusted.
 * Metrics are rates (ops/s, req/s): higher is better, B/A < 1 is slower.
 */
export const MIN_EFFECT = Math.log(1.02)
/** Below this many paired rounds no verdict is given: two rounds on one side happen by chance too often. */
export const MIN_ROUNDS = 3

export type Verdict = 'slower' | 'faster' | 'same' | 'n/a'

export interface ArmStats {
  median: number
  min: number
  max: number
  n: number
}

export interface Comparison {
  ratio: number
  /** smallest and largest paired ratio over the rounds */
  interval: [number, number]
  /** the ratio band (e^-w, e^w) a change must leave to count */
  band: [number, number]
  verdict: Verdict
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function armStats(xs: number[]): ArmStats {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length }
}

/** ln(max/min) of a sample: how far apart the same code ran. */
export function logSpread(xs: number[]): number {
  return xs.length < 2 ? 0 : Math.log(Math.max(...xs) / Math.min(...xs))
}

/** Paired ratios x_i / base_i over the rounds where both ran. */
export function pairedRatios(x: Array<number | null>, base: Array<number | null>): number[] {
  const out: number[] = []
  for (let i = 0; i < Math.min(x.length, base.length); i++) {
    const a = base[i]
    const b = x[i]
    if (a != null && b != null && a > 0 && b > 0) out.push(b / a)
  }
  return out
}

export function judge(ratios: number[], width: number): Comparison {
  const w = Math.max(width, MIN_EFFECT)
  const band: [number, number] = [Math.exp(-w), Math.exp(w)]
  if (ratios.length < MIN_ROUNDS) return { ratio: ratios[0] ?? NaN, interval: [NaN, NaN], band, verdict: 'n/a' }
  const logs = ratios.map(Math.log)
  const lo = Math.min(...logs)
  const hi = Math.max(...logs)
  const verdict: Verdict = hi < -w ? 'slower' : lo > w ? 'faster' : 'same'
  return { ratio: median(ratios), interval: [Math.exp(lo), Math.exp(hi)], band, verdict }
}

const present = (xs: Array<number | null>): number[] => xs.filter((x): x is number => x !== null)

/** B against A with the A/A arm as the noise, and the A/A arm against A's own spread. */
export function compareArms(a: Array<number | null>, b: Array<number | null>, a2: Array<number | null>): { change: Comparison, noise: Comparison } {
  const noiseRatios = pairedRatios(a2, a)
  const aa = noiseRatios.map((r) => Math.abs(Math.log(r)))
  const spreadA = logSpread(present(a))
  const change = judge(pairedRatios(b, a), Math.max(spreadA, ...aa))
  const noise = judge(noiseRatios, Math.max(spreadA, logSpread(present(a2))))
  return { change, noise }
}

/** The comparison as Markdown (one table per case) and as JSON for CI. */
import { armStats, compareArms, type ArmStats, type Comparison } from './verdict.js'
import { armLabel, type Arm, type RunFailure, type Samples } from './schedule.js'
import type { Checkout } from './worktree.js'

export interface MetricResult {
  suite: string
  case: string
  metric: string
  samples: Record<Arm, Array<number | null>>
  stats: Partial<Record<Arm, ArmStats>>
  /** B against A, judged against the A/A noise */
  change: Comparison
  /** A′ against A, judged against the spread of the two */
  noise: Comparison
}

export interface CompareReport {
  date: string
  machine: string
  node: string
  rounds: number
  quick: boolean
  refs: Record<'A' | 'B', { ref: string, commit: string }>
  method: string
  results: MetricResult[]
  failures: RunFailure[]
  /** metrics where B lies beyond the noise */
  flagged: Array<{ case: string, metric: string, verdict: string, ratio: number }>
  /** metrics where the A/A arm itself lies beyond A's spread: this run's noise estimate is suspect */
  noiseFlagged: Array<{ case: string, metric: string, ratio: number }>
}

export const METHOD = 'Rounds run A, B and A′ (A\'s build again) back to back in rotated order, each in a fresh process. ' +
  'B/A and A′/A are paired per round. The noise width w is the largest of max |ln(A′/A)|, ln(max/min) of A\'s samples, ' +
  'and ln 1.02. With at least 3 paired rounds, a metric is flagged when every round\'s B/A lies beyond e^±w on the same side. The A′ row is judged ' +
  'the same way against the spread of A and A′ alone.'

export function buildReport(
  samples: Samples, suiteOf: Map<string, string>, checkouts: Record<Arm, Checkout>, failures: RunFailure[],
  meta: { rounds: number, quick: boolean, machine: string },
): CompareReport {
  const results: MetricResult[] = []
  for (const [caseId, byMetric] of samples) {
    for (const [metric, row] of byMetric) {
      const { change, noise } = compareArms(row.A, row.B, row.A2)
      const stats: Partial<Record<Arm, ArmStats>> = {}
      for (const arm of ['A', 'B', 'A2'] as Arm[]) {
        const xs = row[arm].filter((x): x is number => x !== null)
        if (xs.length > 0) stats[arm] = armStats(xs)
      }
      results.push({ suite: suiteOf.get(caseId) ?? '', case: caseId, metric, samples: row, stats, change, noise })
    }
  }
  return {
    date: new Date().toISOString(),
    machine: meta.machine,
    node: process.version,
    rounds: meta.rounds,
    quick: meta.quick,
    refs: { A: { ref: checkouts.A.ref, commit: checkouts.A.commit }, B: { ref: checkouts.B.ref, commit: checkouts.B.commit } },
    method: METHOD,
    results,
    failures,
    flagged: results.filter((r) => r.change.verdict === 'slower' || r.change.verdict === 'faster')
      .map((r) => ({ case: r.case, metric: r.metric, verdict: r.change.verdict, ratio: r.change.ratio })),
    noiseFlagged: results.filter((r) => r.noise.verdict === 'slower' || r.noise.verdict === 'faster')
      .map((r) => ({ case: r.case, metric: r.metric, ratio: r.noise.ratio })),
  }
}

const rate = (hz: number): string =>
  hz >= 1e6 ? `${(hz / 1e6).toFixed(2)}M` : hz >= 1e3 ? `${(hz / 1e3).toFixed(1)}k` : hz.toFixed(1)
const cell = (s: ArmStats | undefined): string => (s === undefined ? 'failed' : `${rate(s.median)} (${rate(s.min)}–${rate(s.max)})`)
const ratio = (c: Comparison): string => (Number.isNaN(c.ratio) ? '—' : `${c.ratio.toFixed(3)}× [${c.interval[0].toFixed(3)}–${c.interval[1].toFixed(3)}]`)
const VERDICT: Record<string, string> = { slower: '**slower**', faster: '**faster**', same: 'within noise', 'n/a': 'too few runs' }

export function renderMarkdown(r: CompareReport): string {
  const out: string[] = [
    `# bench:compare ${r.refs.A.ref} (${r.refs.A.commit.slice(0, 10)}) → ${r.refs.B.ref} (${r.refs.B.commit.slice(0, 10)})`, '',
    `${r.date} · ${r.machine} · Node ${r.node} · ${r.rounds} rounds${r.quick ? ' (--quick)' : ''} · rates, higher is better`, '',
  ]
  const cases = [...new Set(r.results.map((x) => x.case))]
  for (const c of cases) {
    out.push(`## ${c}`, '', `| metric | A median (min–max) | B median (min–max) | B/A [range] | verdict | A′/A noise [range] | noise band |`,
      '| --- | --- | --- | --- | --- | --- | --- |')
    for (const x of r.results.filter((y) => y.case === c)) {
      const band = `${x.change.band[0].toFixed(3)}–${x.change.band[1].toFixed(3)}`
      const noiseNote = x.noise.verdict === 'slower' || x.noise.verdict === 'faster' ? ' (A/A beyond its spread)' : ''
      out.push(`| ${x.metric} | ${cell(x.stats.A)} | ${cell(x.stats.B)} | ${ratio(x.change)} | ${VERDICT[x.change.verdict]} | ` +
        `${ratio(x.noise)}${noiseNote} | ${band} |`)
    }
    out.push('')
  }
  for (const f of r.failures) out.push(`- failed: ${f.caseId}, ${armLabel(f.arm)}, round ${f.round + 1}: ${f.message.split('\n')[0]}`)
  out.push('', `How it is decided: ${r.method}`, '',
    r.flagged.length === 0 ? 'Nothing lies beyond the noise.' : `Beyond the noise: ${r.flagged.map((f) => `${f.case} / ${f.metric} ${f.verdict} (${f.ratio.toFixed(3)}×)`).join('; ')}.`)
  if (r.noiseFlagged.length > 0) out.push(`The A/A arm moved beyond its own spread in ${r.noiseFlagged.length} metric(s): the machine was noisy; rerun with more rounds.`)
  return out.join('\n')
}

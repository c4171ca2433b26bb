/**
 * How `griddle releases` prints: plain-text tables of what the admin API
 * answers (ReleaseStatus, AuditEntry), for a terminal.
 */
import type { AuditEntry, ReleaseStatus } from '../traffic/release-types.js'

/** Left-aligned columns, two spaces apart, with a header row. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map(String))]
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)))
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')
}

const ms = (v: number) => v.toFixed(3)
const pct = (v: number) => `${(v * 100).toFixed(2)} %`

export function listTable(releases: ReleaseStatus[]): string {
  if (releases.length === 0) return 'no releases'
  return table(['ROUTE', 'VERSION', 'STABLE', 'STATE', 'PERCENT', 'STEP', 'GHOST RUNS', 'MISMATCHES', 'REASON'], releases.map((r) => [
    r.route, r.version, r.stableVersion, r.state, `${r.percent} %`, r.step < 0 ? '-' : String(r.step),
    r.ghost.runs, r.ghost.mismatches, r.reason ?? '',
  ]))
}

/** One release: state, both arms, each guard figure beside its limit, the ghost figures, the last audit entries. */
export function statusText(r: ReleaseStatus): string {
  const lines = [
    `${r.route}  ${r.version} (stable ${r.stableVersion})`,
    `state ${r.state}, ${r.percent} % of traffic${r.step < 0 ? '' : `, step ${r.step}`}${r.reason === null ? '' : `; reason: ${r.reason}`}`,
    '',
    table(['ARM', 'VERSION', 'REQUESTS', 'ERRORS', 'ERROR RATE', 'P50 MS', 'P99 MS'], [r.stable, r.candidate].map((a, i) => [
      i === 0 ? 'stable' : 'candidate', a.version, a.requests, a.errors, pct(a.errorRate), ms(a.p50Ms), ms(a.p99Ms),
    ])),
  ]
  if (r.guards !== null) {
    const g = r.guards
    const ratio = r.stable.p99Ms > 0 ? r.candidate.p99Ms / r.stable.p99Ms : 0
    const mismatch = r.ghost.runs > 0 ? r.ghost.mismatches / r.ghost.runs : 0
    lines.push('', table(['GUARD', 'NOW', 'LIMIT'], [
      ['p99 ratio', ratio.toFixed(3), `> ${g.p99Ratio}`],
      ['p99 difference ms', ms(r.candidate.p99Ms - r.stable.p99Ms), `> ${g.p99AbsMs}`],
      ['error rate delta', pct(r.candidate.errorRate - r.stable.errorRate), `> ${pct(g.errorRateDelta)}`],
      ['ghost mismatch rate', pct(mismatch), `> ${pct(g.mismatchRate)}`],
    ]))
  }
  const gh = r.ghost
  lines.push('', `ghost: ${gh.runs} runs, ${gh.mismatches} mismatched, ${gh.errors} errors, ${gh.shed} shed`)
  const paths = Object.entries(gh.paths).sort((a, b) => b[1] - a[1])
  if (paths.length > 0) lines.push(table(['MISMATCHED PATH', 'RUNS'], paths.slice(0, 20)))
  const noise = Object.keys(gh.noise)
  if (noise.length > 0) lines.push(`noisy paths (not counted): ${noise.join(', ')}`)
  const last = gh.examples.at(-1)
  if (last !== undefined) {
    lines.push('', `last example (${last.at}): ${last.request.method} ${last.request.url}`)
    if ('error' in last.candidate) lines.push(`  candidate failed: ${last.candidate.error}`)
    for (const d of last.diff.slice(0, 10)) lines.push(`  ${d.path}: ${JSON.stringify(d.stable) ?? '(absent)'} -> ${JSON.stringify(d.candidate) ?? '(absent)'}`)
  }
  if (r.audit.length > 0) lines.push('', auditTable(r.audit.slice(-5)))
  return lines.join('\n')
}

export function auditTable(entries: AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries'
  return table(['AT', 'ACTOR', 'ACTION', 'ROUTE', 'VERSION', 'FROM', 'TO', 'EVIDENCE'], entries.map((e) => [
    e.at, e.actor, e.action, e.route, e.version, `${e.from.state ?? '-'} ${e.from.percent} %`, `${e.to.state ?? '-'} ${e.to.percent} %`,
    JSON.stringify(e.evidence),
  ]))
}

/**
 * How many fresh connections a reload resets, with net.ipv4.tcp_migrate_req
 * at 0, unsteered (GRIDDLE_REUSEPORT_STEERING=0) and steered (the default),
 * and with `griddle start --migrate-requests` turning it on. Each run
 * is a private network namespace (unshare, root only), so the host's
 * setting is never touched; the load is test/workers/reload-fresh-run.ts:
 * `clients` loops, each opening a new connection per request, through
 * `reloads` handovers. Results: bench/results/delivery.md.
 *
 *   node dist/bench/workers/reload-resets.js [runs=3] [reloads=5] [clients=32]
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const RUN = fileURLToPath(new URL('../../test/workers/reload-fresh-run.js', import.meta.url))
const [runs, reloads, clients] = [3, 5, 32].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number]

interface Outcome { ok: number, failures: string[], codes: number[], switched: boolean[] }

function once(extra: string[], env: Record<string, string>): Outcome {
  const r = spawnSync('unshare', ['--net', 'sh', '-c',
    `ip link set lo up && echo 0 > /proc/sys/net/ipv4/tcp_migrate_req && exec "${process.execPath}" "${RUN}" ${reloads} ${clients} ${extra.join(' ')}`],
  { encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } })
  if (r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Outcome
}

const rows: string[] = []
for (let i = 0; i < runs; i++) {
  // Alternate the cases so machine noise falls on all alike.
  const cases = [
    ['tcp_migrate_req 0, unsteered', [], { GRIDDLE_REUSEPORT_STEERING: '0' }],
    ['tcp_migrate_req 0, steered', [], {}],
    ['--migrate-requests (1), steered', ['--migrate-requests'], {}],
  ] as const
  for (const [name, extra, env] of cases) {
    const o = once([...extra], env)
    const kinds = new Map<string, number>()
    for (const f of o.failures) kinds.set(f, (kinds.get(f) ?? 0) + 1)
    rows.push(`| ${i + 1} | ${name} | ${o.ok} | ${o.failures.length} | ${[...kinds].map(([k, n]) => `${k} ×${n}`).join(', ') || '-'} | ${o.codes.join(',')} | ${o.switched.every(Boolean)} |`)
    console.error(rows.at(-1))
  }
}
console.log(`runs ${runs}, ${reloads} reloads each, ${clients} clients opening a connection per request\n`)
console.log('| run | setting | ok | failed | failures | reload exits | switched |\n| --- | --- | --- | --- | --- | --- | --- |')
console.log(rows.join('\n'))

/**
 * Runs every case in every arm, one fresh process each, round after round:
 * within a round the arms run back to back in an order rotated each round
 * (A B A′, B A′ A, A′ A B), so drift on the machine falls on all arms alike.
 */
import { spawn } from 'node:child_process'
import type { Checkout } from './worktree.js'
import type { Case } from './suites.js'

export type Arm = 'A' | 'B' | 'A2'
export const ARMS: Arm[] = ['A', 'B', 'A2']

export interface RunPlan {
  cases: Array<Case & { suite: string }>
  rounds: number
  checkouts: Record<Arm, Checkout>
  toolDir: string
  cpu: string
  quick: boolean
  progress: (msg: string) => void
}

/** samples[caseId][metric][arm][round] = rate, or null when that run failed */
export type Samples = Map<string, Map<string, Record<Arm, Array<number | null>>>>

export interface RunFailure { caseId: string, arm: Arm, round: number, message: string }

function expand(arg: string, p: RunPlan, c: Checkout): string {
  return arg.replace(/\{node\}/g, process.execPath).replace(/\{worktree\}/g, c.dir).replace(/\{tool\}/g, p.toolDir)
}

/** Runs one case once; resolves to its metrics (name → rate). */
export function runCase(p: RunPlan, k: Case, c: Checkout, timeoutMs = 10 * 60_000): Promise<Map<string, number>> {
  const argv = k.command.map((a) => expand(a, p, c))
  const [cmd, ...args] = k.pin ? ['taskset', '-c', p.cpu, ...argv] : argv
  const env = { ...process.env, ...(k.env ?? {}), ...(p.quick ? { BENCH_MAX_TIME: '0.2', BENCH_QUICK: '1' } : {}) }
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { cwd: c.dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`${signal ?? `exit ${code}`}: ${err.trim().split('\n').slice(-3).join(' | ')}`))
      const metrics = new Map<string, number>()
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue
        try {
          const row = JSON.parse(line) as { name?: string, case?: string, hz?: number }
          const name = row.name ?? row.case
          if (typeof name === 'string' && typeof row.hz === 'number' && row.hz > 0) metrics.set(name, row.hz)
        } catch { /* not a result line */ }
      }
      if (metrics.size === 0) reject(new Error(`printed no {"name","hz"} line: ${out.slice(0, 200)}`))
      else resolve(metrics)
    })
  })
}

export async function runAll(p: RunPlan): Promise<{ samples: Samples, failures: RunFailure[] }> {
  const samples: Samples = new Map()
  const failures: RunFailure[] = []
  const total = p.rounds * p.cases.length * ARMS.length
  let done = 0
  const started = Date.now()
  for (let round = 0; round < p.rounds; round++) {
    for (const k of p.cases) {
      const order = ARMS.map((_, i) => ARMS[(i + round) % ARMS.length]!)
      for (const arm of order) {
        const c = p.checkouts[arm]
        const t0 = Date.now()
        let note: string
        try {
          const metrics = await runCase(p, k, c)
          const byMetric = samples.get(k.id) ?? new Map<string, Record<Arm, Array<number | null>>>()
          samples.set(k.id, byMetric)
          for (const [name, hz] of metrics) {
            const row = byMetric.get(name) ?? { A: [], B: [], A2: [] }
            byMetric.set(name, row)
            row[arm][round] = hz
          }
          note = `${metrics.size} metric${metrics.size === 1 ? '' : 's'}`
        } catch (err) {
          failures.push({ caseId: k.id, arm, round, message: (err as Error).message })
          note = `FAILED: ${(err as Error).message.split('\n')[0]}`
        }
        done++
        const eta = ((Date.now() - started) / done) * (total - done) / 1000
        p.progress(`[${done}/${total}] round ${round + 1}/${p.rounds} ${k.id} · ${armLabel(arm)} ${c.commit.slice(0, 8)} · ` +
          `${((Date.now() - t0) / 1000).toFixed(1)} s, ${note} · about ${Math.ceil(eta)} s left`)
      }
    }
  }
  // Rounds where an arm failed leave holes; normalise them to null for the pairing.
  for (const byMetric of samples.values()) {
    for (const row of byMetric.values()) {
      for (const arm of ARMS) row[arm] = Array.from({ length: p.rounds }, (_, i) => row[arm][i] ?? null)
    }
  }
  return { samples, failures }
}

export const armLabel = (arm: Arm): string => (arm === 'A2' ? "A′" : arm)

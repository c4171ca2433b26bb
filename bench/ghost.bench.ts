/**
 * The cost of one ghost comparison, off the request path but inside the
 * cpuShare budget: griddle's structural diff and a whole observe() (with
 * and without the noise filter's second stable answer), beside node's
 * util.isDeepStrictEqual on the same pair (a yes/no answer, no paths) and
 * the JSON.parse of the captured body a run does on a difference, and the
 * byte comparison (matchRaw) that spares both when the bytes are equal. Bodies are the demo's
 * users, the candidate changing one field. Each case runs in a fresh
 * process, several rounds; the parent prints median and spread in ns per call.
 * `node dist/bench/ghost.bench.js` runs everything; `... <case>` one case.
 */
import { spawnSync } from 'node:child_process'
import { isDeepStrictEqual } from 'node:util'
import { fileURLToPath } from 'node:url'
import { readModel } from './http/server-kit.js'
import { diffOutputs, IgnoreRules } from '../lib/traffic/diff.js'
import { createGhostComparison, matchRaw } from '../lib/traffic/ghost-compare.js'
import type { RawOutput } from '../lib/traffic/ghost-capture.js'
import type { CapturedOutput } from '../lib/traffic/release-types.js'
import { median } from './stats.js'

const ROUNDS = 7
const ROUND_NS = 300e6
let CALLS = 1000
const TYPE = { 'content-type': 'application/json; charset=utf-8' }

function pairs(): Array<{ stable: CapturedOutput, candidate: CapturedOutput, text: string }> {
  const model = readModel()
  return Array.from({ length: 256 }, (_, i) => {
    const u = model.user(1 + ((i * 7919) % 100_000))!
    const text = JSON.stringify(u)
    return {
      text,
      stable: { status: 200, headers: TYPE, body: JSON.parse(text) as unknown, error: null },
      candidate: { status: 200, headers: TYPE, body: { ...(JSON.parse(text) as object), followers: u.followers + 1 }, error: null },
    }
  })
}

function round(fn: (i: number) => unknown): number {
  let sink = 0
  const start = process.hrtime.bigint()
  for (let i = 0; i < CALLS; i++) if (fn(i)) sink++
  const ns = Number(process.hrtime.bigint() - start) / CALLS
  if (sink < 0) console.log(sink)
  return ns
}

function setup(name: string): (i: number) => unknown {
  const p = pairs()
  const req = { method: 'GET', url: '/users/1', headers: {} }
  const ignore = new IgnoreRules(undefined)
  if (name === 'node util.isDeepStrictEqual') return (i) => isDeepStrictEqual(p[i & 255]!.stable.body, p[i & 255]!.candidate.body)
  if (name === 'JSON.parse of the body') return (i) => JSON.parse(p[i & 255]!.text)
  if (name === 'griddle diffOutputs') return (i) => diffOutputs(p[i & 255]!.stable, p[i & 255]!.candidate, ['content-type'], ignore).length
  const cmp = createGhostComparison({ examples: 10 })
  if (name === 'griddle observe') return (i) => cmp.observe(req, p[i & 255]!.stable, p[i & 255]!.candidate).length
  if (name === 'griddle observe + noise run') return (i) => cmp.observe(req, p[i & 255]!.stable, p[i & 255]!.candidate, p[i & 255]!.stable).length
  // The fast path of a run whose candidate answered the same bytes: status, header and byte comparison, no parse.
  const raws: RawOutput[] = p.map((x) => ({ status: 200, type: TYPE['content-type'], headers: null, body: x.text, error: null }))
  // A fresh string with the same characters, as the candidate's own serialisation gives.
  const twins: RawOutput[] = raws.map((r) => ({ ...r, body: JSON.stringify(JSON.parse(r.body as string)) }))
  if (name === 'griddle matchRaw, equal bytes') return (i) => matchRaw(cmp, raws[i & 255]!, twins[i & 255]!, null)
  throw new Error(`unknown case ${name}`)
}

export const CASES = ['node util.isDeepStrictEqual', 'JSON.parse of the body', 'griddle diffOutputs', 'griddle observe', 'griddle observe + noise run', 'griddle matchRaw, equal bytes']

function child(name: string): void {
  const fn = setup(name)
  CALLS = Math.max(1000, Math.round(ROUND_NS / round(fn)))  // calibration and warm-up, discarded
  round(fn)
  console.log(JSON.stringify({ name, rounds: Array.from({ length: ROUNDS }, () => round(fn)) }))
}

function parent(): void {
  const self = fileURLToPath(import.meta.url)
  console.log('| case | median ns/call | min–max |\n| --- | --- | --- |')
  for (const name of CASES) {
    const r = spawnSync(process.execPath, [self, name], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`)
    const { rounds } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rounds: number[] }
    console.log(`| ${name} | ${median(rounds).toFixed(0)} | ${Math.min(...rounds).toFixed(0)}–${Math.max(...rounds).toFixed(0)} |`)
  }
}

if (process.argv[2] !== undefined) child(process.argv[2])
else parent()

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { hasCommand } from '../../bench/http/procs.js'
import { compare } from '../../bench/compare/compare.js'
import { parseCompareOptions, type CompareOptions } from '../../bench/compare/options.js'
import { ROUTER_CASES } from '../../bench/compare/micro-cases.js'
import { CASES } from '../../bench/router.bench.js'

/**
 * A tiny repository with one suite of two metrics, measured in ops per CPU
 * second (steadier than wall time on a shared machine): `steady` does the
 * same work in both commits, `planted` does twice the work per op in B.
 */
const SUITE = `
const factor = JSON.parse(require('node:fs').readFileSync('work.json', 'utf8')).planted
let sink = 0
function work(n) { for (let i = 0; i < n; i++) sink = (sink * 31 + i) | 0 }
function rate(perOp) {
  const t0 = process.cpuUsage()
  let ops = 0
  let used = 0
  while (used < 60_000) { work(perOp); ops++; if ((ops & 63) === 0) { const u = process.cpuUsage(t0); used = u.user + u.system } }
  return ops / (used / 1e6)
}
rate(2000) // warm-up
console.log(JSON.stringify({ name: 'steady', hz: rate(2000) }))
console.log(JSON.stringify({ name: 'planted', hz: rate(2000 * factor) }))
if (sink === 42) console.log('')
`

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
}

function syntheticRepo(): { repo: string, suites: string, a: string, b: string } {
  const root = mkdtempSync(join(tmpdir(), 'compare-test-'))
  const repo = join(root, 'repo')
  execFileSync('mkdir', ['-p', repo])
  git(repo, 'init', '-q')
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'synthetic', version: '1.0.0', private: true, type: 'commonjs' }))
  writeFileSync(join(repo, 'package-lock.json'), JSON.stringify({ name: 'synthetic', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'synthetic', version: '1.0.0' } } }))
  writeFileSync(join(repo, 'suite.js'), SUITE)
  writeFileSync(join(repo, 'work.json'), JSON.stringify({ planted: 1 }))
  git(repo, 'add', '.')
  git(repo, 'commit', '-qm', 'A')
  const a = git(repo, 'rev-parse', 'HEAD').trim()
  writeFileSync(join(repo, 'work.json'), JSON.stringify({ planted: 2 }))
  git(repo, 'commit', '-qam', 'B: planted 2x slowdown')
  const b = git(repo, 'rev-parse', 'HEAD').trim()
  const suites = join(root, 'suites.json')
  writeFileSync(suites, JSON.stringify({
    build: ['npm ci --no-audit --no-fund --offline --loglevel=error'],
    suites: { tiny: [{ id: 'tiny', command: ['{node}', 'suite.js'], pin: true }] },
  }))
  return { repo, suites, a, b }
}

const skip = (await hasCommand('taskset')) && (await hasCommand('git')) ? false : 'needs git and taskset (util-linux)'

function opts(repo: string, suites: string, refA: string, refB: string, json: string): CompareOptions {
  const o = parseCompareOptions([refA, refB, '--suite', 'tiny', '--suites', suites, '--repo', repo, '--rounds', '4', '--json', json, '--quick'], repo)
  assert.notEqual(o, 'help')
  return o as CompareOptions
}

test('bench:compare flags a planted 2× slowdown, not the unchanged metric, and not the noise arm', { skip, timeout: 180_000 }, async () => {
  const { repo, suites, a, b } = syntheticRepo()
  try {
    const json = join(repo, '..', 'out.json')
    const progress: string[] = []
    const { report, markdown, jsonFile } = await compare(opts(repo, suites, a, b, json), (m) => progress.push(m))
    const planted = report.results.find((r) => r.metric === 'planted')!
    const steady = report.results.find((r) => r.metric === 'steady')!
    assert.equal(planted.change.verdict, 'slower', markdown)
    assert.ok(planted.change.ratio > 0.35 && planted.change.ratio < 0.65, `B/A near 0.5: ${planted.change.ratio}`)
    assert.equal(steady.change.verdict, 'same', markdown)
    assert.deepEqual(report.noiseFlagged, [], markdown)
    assert.deepEqual(report.flagged.map((f) => f.metric), ['planted'])
    assert.match(markdown, /## tiny\n\n\| metric \| A median/)
    assert.match(markdown, /\| planted \| .* \| \*\*slower\*\* \|/)
    // every arm ran every round, each in its own process, and said so as it went
    for (const arm of ['A', 'B', 'A2'] as const) assert.equal(planted.samples[arm].filter((x) => x !== null).length, 4)
    assert.equal(progress.filter((m) => /^\[\d+\/12\] round/.test(m)).length, 12)
    assert.equal(jsonFile, json)
    assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')).flagged, report.flagged)
    // the worktrees are gone
    assert.equal(git(repo, 'worktree', 'list').trim().split('\n').length, 1)
  } finally {
    rmSync(join(repo, '..'), { recursive: true, force: true })
  }
})

test('comparing a ref with itself flags nothing', { skip, timeout: 180_000 }, async () => {
  const { repo, suites, b } = syntheticRepo()
  try {
    const { report, markdown } = await compare(opts(repo, suites, b, b, join(repo, '..', 'same.json')), () => {})
    assert.deepEqual(report.flagged, [], markdown)
    assert.match(markdown, /Nothing lies beyond the noise\./)
  } finally {
    rmSync(join(repo, '..'), { recursive: true, force: true })
  }
})

test('a ref that is not a commit is refused before anything runs', { skip, timeout: 60_000 }, async () => {
  const { repo, suites, a } = syntheticRepo()
  try {
    await assert.rejects(compare(opts(repo, suites, a, 'no-such-branch', join(repo, '..', 'x.json')), () => {}), /"no-such-branch" is not a commit/)
    assert.equal(existsSync(join(repo, '..', 'x.json')), false)
  } finally {
    rmSync(join(repo, '..'), { recursive: true, force: true })
  }
})

test('compare options need two refs and at least two rounds', () => {
  assert.throws(() => parseCompareOptions(['main'], '.'), /give two git refs/)
  assert.throws(() => parseCompareOptions(['a', 'b', '--rounds', '1'], '.'), /--rounds must be an integer from 2/)
  const o = parseCompareOptions(['a', 'b', '--quick'], '/r') as CompareOptions
  assert.deepEqual([o.suite, o.rounds, o.quick, o.repo], ['micro', 3, true, '/r'])
})

test('the micro suite names every router benchmark case', () => {
  assert.deepEqual(ROUTER_CASES, Object.keys(CASES))
})

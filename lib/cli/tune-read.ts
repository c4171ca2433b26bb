/**
 * Reads what `griddle tune` checks from /proc and /sys. `root` (default '/')
 * lets tests point it at a fixture tree. Reading never changes anything;
 * applySysctl writes /proc/sys, and only when the caller is root.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HostReadings } from './tune.js'

export interface ReadOptions {
  root?: string
  /** how long to sample /proc/stat for steal time (ms); 0 skips it */
  sampleMs?: number
  workers?: number | null
  nodeFlags?: string[]
  cpus?: number
  isRoot?: boolean
}

function read(root: string, path: string): string | null {
  try {
    return readFileSync(join(root, path), 'utf8')
  } catch {
    return null
  }
}

function readInt(root: string, path: string): number | null {
  const text = read(root, path)
  if (text === null) return null
  const n = Number.parseInt(text.trim(), 10)
  return Number.isFinite(n) ? n : null
}

export function parsePortRange(text: string | null): [number, number] | null {
  const m = text === null ? null : /^\s*(\d+)\s+(\d+)\s*$/.exec(text)
  return m ? [Number(m[1]), Number(m[2])] : null
}

/** The "Max open files" row of /proc/<pid>/limits; "unlimited" reads as Infinity. */
export function parseFdLimits(text: string | null): { soft: number; hard: number } | null {
  const m = text === null ? null : /^Max open files\s+(\S+)\s+(\S+)/m.exec(text)
  if (!m) return null
  const num = (s: string): number => (s === 'unlimited' ? Infinity : Number(s))
  return { soft: num(m[1]!), hard: num(m[2]!) }
}

/** "always [madvise] never" → "madvise" */
export function parseThp(text: string | null): string | null {
  const m = text === null ? null : /\[(\w+)\]/.exec(text)
  return m ? m[1]! : null
}

/** The aggregate `cpu` line of /proc/stat: total jiffies and the steal column (the 8th value). */
export function parseStatCpu(text: string | null): { total: number; steal: number } | null {
  const line = text?.split('\n').find((l) => /^cpu\s/.test(l))
  if (line === undefined) return null
  const values = line.trim().split(/\s+/).slice(1).map(Number)
  if (values.length < 8 || values.some((v) => !Number.isFinite(v))) return null
  // guest and guest_nice (9th, 10th) are already counted in user and nice
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0)
  return { total, steal: values[7]! }
}

/** The share of CPU time stolen between two /proc/stat readings, or null without a difference. */
export function stealShare(before: string | null, after: string | null): number | null {
  const a = parseStatCpu(before)
  const b = parseStatCpu(after)
  if (a === null || b === null || b.total <= a.total) return null
  return (b.steal - a.steal) / (b.total - a.total)
}

function governors(root: string): string[] {
  let cpus: string[]
  try {
    cpus = readdirSync(join(root, 'sys/devices/system/cpu')).filter((d) => /^cpu\d+$/.test(d))
  } catch {
    return []
  }
  return cpus.map((c) => read(root, `sys/devices/system/cpu/${c}/cpufreq/scaling_governor`)?.trim())
    .filter((g): g is string => g !== undefined && g !== '')
}

function numaNodes(root: string): number | null {
  try {
    return readdirSync(join(root, 'sys/devices/system/node')).filter((d) => /^node\d+$/.test(d)).length
  } catch {
    return null
  }
}

export function currentNodeFlags(): string[] {
  const fromEnv = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)
  return [...process.execArgv, ...fromEnv]
}

export async function readHost(o: ReadOptions = {}): Promise<HostReadings> {
  const root = o.root ?? '/'
  const sampleMs = o.sampleMs ?? 1000
  const statBefore = read(root, 'proc/stat')
  if (sampleMs > 0) await sleep(sampleMs)
  const statAfter = read(root, 'proc/stat')
  const fds = parseFdLimits(read(root, 'proc/self/limits'))
  return {
    somaxconn: readInt(root, 'proc/sys/net/core/somaxconn'),
    tcpMaxSynBacklog: readInt(root, 'proc/sys/net/ipv4/tcp_max_syn_backlog'),
    tcpTwReuse: readInt(root, 'proc/sys/net/ipv4/tcp_tw_reuse'),
    localPortRange: parsePortRange(read(root, 'proc/sys/net/ipv4/ip_local_port_range')),
    fdSoft: fds?.soft ?? null,
    fdHard: fds?.hard ?? null,
    governors: governors(root),
    thp: parseThp(read(root, 'sys/kernel/mm/transparent_hugepage/enabled')),
    numaNodes: numaNodes(root),
    cpus: o.cpus ?? availableParallelism(),
    workers: o.workers ?? null,
    nodeFlags: o.nodeFlags ?? currentNodeFlags(),
    hypervisor: /^flags\s*:.*\bhypervisor\b/m.test(read(root, 'proc/cpuinfo') ?? ''),
    steal: stealShare(statBefore, statAfter),
    isRoot: o.isRoot ?? process.getuid?.() === 0,
    tcpMigrateReq: readInt(root, 'proc/sys/net/ipv4/tcp_migrate_req'),
  }
}

/** Writes one sysctl through /proc/sys (net.core.somaxconn → proc/sys/net/core/somaxconn). */
export function applySysctl(key: string, value: string, root = '/'): void {
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(key)) throw new Error(`not a sysctl key: ${key}`)
  writeFileSync(join(root, 'proc/sys', ...key.split('.')), `${value}\n`)
}

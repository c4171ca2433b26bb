/**
 * V8 appends a line to /tmp/perf-<pid>.map for every piece of code it emits
 * (--perf-basic-prof) and never removes one, so once the garbage collector
 * frees code its addresses are reused and the map holds stale, overlapping
 * entries; perf then names a hot optimised function after whatever lived
 * there first (seen: onRequest shown as a module's top-level code). Newer
 * entries describe what is there now: this keeps, for each address, the last
 * entry written, before `perf script` reads the map.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

export interface MapEntry {
  start: bigint
  size: bigint
  line: string
}

export function parseMapLine(line: string): MapEntry | null {
  const m = /^([0-9a-fA-F]+) ([0-9a-fA-F]+) (.*)$/.exec(line)
  if (m === null) return null
  return { start: BigInt(`0x${m[1]}`), size: BigInt(`0x${m[2]}`), line }
}

/** The entries no later entry overlaps, in address order. */
export function latestEntries(lines: string[]): string[] {
  const entries = lines.map(parseMapLine).filter((e): e is MapEntry => e !== null && e.size > 0n)
  const kept: MapEntry[] = [] // sorted by start, pairwise disjoint
  const firstEnding = (addr: bigint): number => {
    // index of the first kept entry whose end lies past addr
    let lo = 0
    let hi = kept.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (kept[mid]!.start + kept[mid]!.size <= addr) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!
    const at = firstEnding(e.start)
    const next = kept[at]
    if (next !== undefined && next.start < e.start + e.size) continue // a later entry owns part of it
    kept.splice(at, 0, e)
  }
  return kept.map((e) => e.line)
}

/** Rewrites a perf map file in place; returns how many stale entries were dropped. */
export function compactPerfMap(file: string): number {
  if (!existsSync(file)) return 0
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '')
  const kept = latestEntries(lines)
  writeFileSync(file, `${kept.join('\n')}\n`)
  return lines.length - kept.length
}

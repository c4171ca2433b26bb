/**
 * A deterministic request trace: Zipf-distributed keys with occasional scans
 * of keys seen once (a crawler, a batch export), and a size for every key.
 */

/** xorshift32: a small seeded generator, so every run replays the same trace. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13; s >>>= 0
    s ^= s >>> 17
    s ^= s << 5; s >>>= 0
    return s / 4294967296
  }
}

export interface TraceOptions {
  keys: number          // distinct Zipf keys
  alpha: number         // Zipf exponent
  requests: number      // Zipf requests (scans come on top)
  scanEvery: number     // a scan starts after this many Zipf requests
  scanLength: number    // keys per scan, each requested once
  seed: number
}

export interface Trace {
  keys: string[]        // one per request
  sizes: number[]       // value size per request
  workingSetBytes: number  // sum of key (UTF-16) and value bytes over the distinct Zipf keys
}

/** Value size of a key: 200 B to ~8 KB, small ones more common (log-uniform). */
export function sizeOf(id: number): number {
  const u = ((Math.imul(id + 1, 0x9e3779b1) >>> 0) % 10007) / 10007
  return Math.round(200 * Math.pow(40, u))
}

export function makeTrace(o: TraceOptions): Trace {
  const next = rng(o.seed)
  const cdf = new Float64Array(o.keys)
  let sum = 0
  for (let r = 0; r < o.keys; r++) cdf[r] = sum += 1 / Math.pow(r + 1, o.alpha)
  for (let r = 0; r < o.keys; r++) cdf[r]! /= sum
  const keys: string[] = []
  const sizes: number[] = []
  let scans = 0
  for (let n = 0; n < o.requests; n++) {
    const u = next()
    let lo = 0, hi = o.keys - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cdf[mid]! < u) lo = mid + 1
      else hi = mid
    }
    // Ranks are scattered over ids, so popularity does not follow key order.
    const id = (Math.imul(lo, 2654435761) >>> 0) % 1_000_003
    keys.push(`/item/${id}`)
    sizes.push(sizeOf(id))
    if ((n + 1) % o.scanEvery === 0) {
      for (let s = 0; s < o.scanLength; s++) {
        keys.push(`/scan/${scans}/${s}`)
        sizes.push(sizeOf(2_000_000 + s))
      }
      scans++
    }
  }
  let workingSetBytes = 0
  for (let r = 0; r < o.keys; r++) {
    const id = (Math.imul(r, 2654435761) >>> 0) % 1_000_003
    workingSetBytes += 2 * `/item/${id}`.length + sizeOf(id)
  }
  return { keys, sizes, workingSetBytes }
}

/** Median and spread of repeated runs: the one median every benchmark uses. */
export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 }
  let min = Infinity
  let max = -Infinity
  for (const v of values) {
    if (v < min) min = v
    if (v > max) max = v
  }
  return { median: median(values), min, max, n: values.length }
}

/** Rotation r of a list: run r starts with element r, so no server always goes first. */
export function rotate<T>(items: readonly T[], r: number): T[] {
  const k = items.length ? r % items.length : 0
  return [...items.slice(k), ...items.slice(0, k)]
}

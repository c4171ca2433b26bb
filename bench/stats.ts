/** Median and spread of repeated runs. */
export interface Spread {
  median: number
  min: number
  max: number
  n: number
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 }
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length }
}

/** Rotation r of a list: run r starts with element r, so no server always goes first. */
export function rotate<T>(items: readonly T[], r: number): T[] {
  const k = items.length ? r % items.length : 0
  return [...items.slice(k), ...items.slice(0, k)]
}

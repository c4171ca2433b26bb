/**
 * Semantic version comparison (semver.org §11) for rule and constraint
 * operators: `major.minor.patch[-prerelease][+build]`, no ranges.
 */

export interface Semver {
  core: [number, number, number]
  pre: string[]
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/

/** The parsed version, or null when `text` is not a semantic version. */
export function parseSemver(text: string): Semver | null {
  const m = SEMVER.exec(text)
  if (m === null) return null
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] === undefined ? [] : m[4].split('.') }
}

function comparePart(a: string, b: string): number {
  const an = /^\d+$/.test(a), bn = /^\d+$/.test(b)
  if (an && bn) return Math.sign(Number(a) - Number(b))
  if (an !== bn) return an ? -1 : 1
  return a < b ? -1 : a > b ? 1 : 0
}

/** -1, 0 or 1; build metadata is ignored, a pre-release sorts before its release. */
export function compareSemver(a: Semver, b: Semver): number {
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return Math.sign(a.core[i]! - b.core[i]!)
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const c = comparePart(a.pre[i]!, b.pre[i]!)
    if (c !== 0) return c
  }
  return Math.sign(a.pre.length - b.pre.length)
}

/**
 * The TypeScript twin of native/bucket.*: murmur3 bucketing. The unit key is
 * hashed once per request (inside dispatch on the server, or here for
 * app.flags.evaluate); flags and experiments then take independent positions
 * from that one hash with their own seeds, natively.
 */
import { native } from '../binding.js'

/** A unit hash: low and high 32 bits, and whether a key was there at all. */
export interface UnitHash {
  lo: number
  hi: number
  set: boolean
}

const scratch = new Int32Array(3)

/** The unit hash of a key (murmur3 x64 over its UTF-8 bytes); undefined gives an unset hash. */
export function unitHash(key: string | undefined): UnitHash {
  native.bucketUnitHash(key, scratch)
  return { lo: scratch[0]!, hi: scratch[1]!, set: scratch[2] === 1 }
}

/** murmur3 x86 32-bit over the UTF-8 bytes of `key`. */
export function murmur3(key: string, seed = 0): number {
  return native.bucketMurmur3(key, seed)
}

/** A 64-bit seed for a name, as the two 32-bit halves the native program takes. */
export function seedOf(name: string): [number, number] {
  return [murmur3(name, 0x67726964), murmur3(name, 0x646c6521)]
}

/** Unleash's seed for variant buckets (unleash-client, strategy/util). */
export const UNLEASH_VARIANT_SEED = 86028157

/**
 * Unleash's normalized value: `murmur3("${groupId}:${id}") % normalizer + 1`,
 * bit for bit as unleash-client computes it (its hash reads the low byte of
 * each UTF-16 code unit, so non-ASCII keys hash as Unleash hashes them, not as UTF-8).
 */
export function unleashNormalized(id: string, groupId: string, normalizer: number, seed = 0): number {
  return native.bucketUnleash(`${groupId}:${id}`, normalizer, seed)
}

// Unleash hashing on a key read once per request (native/bucket.cc): the key's
// low bytes stay on this thread under a token; each hash is then ints only.
const unleashArgs = new Int32Array(4)
native.bucketUnleashArgs(unleashArgs)

/** This thread's index for an Unleash group id (interned natively; made at config-check time). */
export function unleashGroup(groupId: string): number {
  return native.bucketUnleashGroup(groupId)
}

/** Keeps key natively for unleashKeyed; returns its token. */
export function unleashKey(key: string): number {
  return native.bucketUnleashKey(key)
}

/** hot path: unleashNormalized(key, group, normalizer, seed) for the key under token, or -1 when another key was set since. */
export function unleashKeyed(token: number, group: number, normalizer: number, seed: number): number {
  const a = unleashArgs
  a[0] = token
  a[1] = group
  a[2] = normalizer
  a[3] = seed
  return native.bucketUnleashKeyed()
}

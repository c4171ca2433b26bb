/**
 * Response serializers compiled from JSON Schema with fast-json-stringify
 * (DESIGN.md §3: compiled JavaScript beats both JSON.stringify and a native
 * encoder that reads JS objects through N-API).
 *
 * For values that fit the schema, the output equals JSON.stringify of the
 * value reduced to the schema's properties. fast-json-stringify throws on
 * NaN (and on non-finite integers) where JSON.stringify writes `null`; the
 * serializer object its generated code calls is therefore given two
 * overrides, through its documented debug/restore API, and a third that
 * quotes strings faster (quoteString), with the same output.
 */
import fastJson from 'fast-json-stringify'
import { GriddleError } from '../errors.js'

export type Serializer = (value: unknown) => string

export type ResponseSchemas = Record<string | number, object>

interface NumberCoders {
  asNumber(n: unknown): string
  asInteger(n: unknown): string
  asString(s: unknown): string
}

const build = fastJson as unknown as (schema: object, options: object) => { code: string, validator: unknown, serializer: NumberCoders }
const restore = (fastJson as unknown as { restore(parts: object): Serializer }).restore

/** Longer strings go to JSON.stringify, whose fixed cost is then smaller than the loop's. */
const QUOTE_LOOP_MAX = 256

/**
 * The JSON string literal of `str`, the same as JSON.stringify(str). One
 * shared function quotes every string property of every schema, so it sees
 * strings of every representation (flat, concatenated, one- and two-byte):
 * `str.charCodeAt` there is a megamorphic load, ~80 instructions per
 * character in fast-json-stringify's own loop (bench/results/http-request-path.md).
 * Calling String.prototype.charCodeAt itself needs no load from the string.
 */
export function quoteString(str: string): string {
  const n = str.length
  if (n > QUOTE_LOOP_MAX) return JSON.stringify(str)
  let out = ''
  let from = 0
  for (let i = 0; i < n; i++) {
    const c = String.prototype.charCodeAt.call(str, i)
    if (c === 0x22 || c === 0x5c) {
      out += str.slice(from, i) + '\\'
      from = i
    } else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) {
      // Control characters and surrogates (paired or not): JSON.stringify's own escapes.
      return JSON.stringify(str)
    }
  }
  return out === '' ? '"' + str + '"' : '"' + out + str.slice(from) + '"'
}

function nonFiniteAsNull(coders: NumberCoders): NumberCoders {
  const patched = Object.create(coders) as NumberCoders
  const { asNumber, asInteger, asString } = coders
  patched.asNumber = (n) => (typeof n === 'number' && n !== n ? 'null' : asNumber.call(coders, n))
  patched.asInteger = (n) => (typeof n === 'number' && !Number.isFinite(n) ? 'null' : asInteger.call(coders, n))
  patched.asString = (s) => (typeof s === 'string' ? quoteString(s) : asString.call(coders, s))
  return patched
}

/** Compiles one schema; throws GRIDDLE_ERR_SCHEMA with `where` when it cannot. */
export function compileSerializer(schema: object, where: string): Serializer {
  if (schema === null || typeof schema !== 'object') {
    throw new GriddleError('GRIDDLE_ERR_SCHEMA', `${where}: a response schema must be an object`)
  }
  try {
    const { code, validator, serializer } = build(schema, { mode: 'debug' })
    return restore({ code, validator, serializer: nonFiniteAsNull(serializer) })
  } catch (err) {
    throw new GriddleError('GRIDDLE_ERR_SCHEMA', `${where}: ${(err as Error).message}`, { cause: err })
  }
}

const STATUS_KEY = /^([1-5][0-9][0-9]|[1-5]xx|default)$/

/**
 * The serializers of one route, by status: an exact code wins over `2xx`,
 * which wins over `default`; without any, JSON.stringify.
 */
export class RouteSerializers {
  private readonly exact = new Map<number, Serializer>()
  private readonly classes: Array<Serializer | undefined> = []
  private readonly fallback: Serializer
  /** The serializer for 200, resolved once: the common case. */
  readonly ok: Serializer

  constructor(schemas: ResponseSchemas | undefined, where: string) {
    let fallback: Serializer = JSON.stringify
    for (const [key, schema] of Object.entries(schemas ?? {})) {
      if (!STATUS_KEY.test(key)) {
        throw new GriddleError('GRIDDLE_ERR_SCHEMA', `${where}: response key ${JSON.stringify(key)} is not a status, "2xx" or "default"`)
      }
      const fn = compileSerializer(schema, `${where} response ${key}`)
      if (key === 'default') fallback = fn
      else if (key.endsWith('xx')) this.classes[Number(key[0])] = fn
      else this.exact.set(Number(key), fn)
    }
    this.fallback = fallback
    this.ok = this.for(200)
  }

  for(status: number): Serializer {
    return this.exact.get(status) ?? this.classes[Math.floor(status / 100)] ?? this.fallback
  }
}

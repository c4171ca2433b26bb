/**
 * Where a flags config comes from: an object, a file or a URL, in griddle's
 * format or as an Unleash client features document. File and URL sources are
 * polled; a bad turn (half-written file, truncation, 500, hang, oversize)
 * keeps the last good snapshot and is reported in status().lastError and on
 * the log, never served as silent defaults.
 */
import { readFile, stat } from 'node:fs/promises'
import { GriddleError, GriddleTypeError } from '../errors.js'
import { isObject } from './config-errors.js'
import { parseConfigText } from './json-text.js'
import type { Document } from './flags.js'

export type Location = { file: string, intervalMs?: number } | { url: string, intervalMs?: number, timeoutMs?: number, maxBytes?: number }
/** griddle's config object, a location of one, or an Unleash document (or its location). */
export type FlagsSource = Record<string, unknown> | Location | { unleash: Record<string, unknown> | Location }

export interface ResolvedSource {
  kind: Document['kind']
  /** For status(): "object", "file:/path", "url:http://…", prefixed "unleash " for Unleash documents. */
  describe: string
  location: Location | null
  doc: unknown
}

const DEFAULT_INTERVAL_MS = 5000
const DEFAULT_TIMEOUT_MS = 5000
const DEFAULT_MAX_BYTES = 1024 * 1024

function locationOf(v: Record<string, unknown>): Location | null {
  if (typeof v.file === 'string' || typeof v.url === 'string') {
    const keys = Object.keys(v)
    const allowed = ['file', 'url', 'intervalMs', 'timeoutMs', 'maxBytes']
    for (const k of keys) if (!allowed.includes(k)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `flags.source.${k} is not a source option (${allowed.join(', ')})`)
    for (const k of ['intervalMs', 'timeoutMs', 'maxBytes']) {
      const n = v[k]
      if (n !== undefined && (typeof n !== 'number' || !Number.isInteger(n) || n < 1)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', `flags.source.${k} must be a positive integer`)
    }
    if (typeof v.url === 'string' && !/^https?:\/\//.test(v.url)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'flags.source.url must be an http(s) URL')
    return v as unknown as Location
  }
  return null
}

/** Sorts a source option into kind and location; throws GRIDDLE_ERR_INVALID_OPTION for a malformed one. */
export function resolveSource(source: unknown): ResolvedSource {
  if (!isObject(source)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'flags.source must be a config object, { file }, { url } or { unleash }')
  let kind: Document['kind'] = 'griddle'
  let inner: Record<string, unknown> = source
  if ('unleash' in source) {
    if (!isObject(source.unleash)) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_OPTION', 'flags.source.unleash must be a client features document, { file } or { url }')
    kind = 'unleash'
    inner = source.unleash
  }
  const location = locationOf(inner)
  const where = location === null ? 'object' : 'file' in location ? `file:${location.file}` : `url:${location.url}`
  return { kind, describe: kind === 'unleash' ? `unleash ${where}` : where, location, doc: location === null ? inner : undefined }
}

export function intervalOf(s: ResolvedSource): number {
  return s.location?.intervalMs ?? DEFAULT_INTERVAL_MS
}

async function fetchText(loc: { url: string, timeoutMs?: number, maxBytes?: number }): Promise<string> {
  const max = loc.maxBytes ?? DEFAULT_MAX_BYTES
  const signal = AbortSignal.timeout(loc.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  try {
    const res = await fetch(loc.url, { signal, headers: { accept: 'application/json' } })
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new GriddleError('GRIDDLE_ERR_FLAGS_SOURCE', `${loc.url} answered ${res.status}`)
    }
    const declared = Number(res.headers.get('content-length') ?? '0')
    if (declared > max) {
      await res.body?.cancel()
      throw new GriddleError('GRIDDLE_ERR_FLAGS_SOURCE', `${loc.url} sent ${declared} bytes, more than maxBytes (${max})`)
    }
    const chunks: Uint8Array[] = []
    let total = 0
    for await (const chunk of res.body ?? []) {
      total += (chunk as Uint8Array).byteLength
      if (total > max) throw new GriddleError('GRIDDLE_ERR_FLAGS_SOURCE', `${loc.url} sent more than maxBytes (${max})`)
      chunks.push(chunk as Uint8Array)
    }
    return Buffer.concat(chunks).toString('utf8')
  } catch (err) {
    if (err instanceof GriddleError) throw err
    const e = err as Error
    const why = e.name === 'TimeoutError' || signal.aborted ? `no answer within ${loc.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`
    throw new GriddleError('GRIDDLE_ERR_FLAGS_SOURCE', `${loc.url}: ${why}`, { cause: err })
  }
}

/** A cheap change stamp for a file source, so an unchanged file is not re-read every turn. */
export async function fileStamp(s: ResolvedSource): Promise<string | null> {
  if (s.location === null || !('file' in s.location)) return null
  try {
    const st = await stat(s.location.file)
    return `${st.mtimeMs}:${st.size}:${st.ino}`
  } catch (err) {
    return `missing:${(err as Error).message}`
  }
}

/** Reads and parses the document; GRIDDLE_ERR_FLAGS_SOURCE or GRIDDLE_ERR_FLAGS_CONFIG on failure. */
export async function readSource(s: ResolvedSource): Promise<Document> {
  if (s.location === null) return { kind: s.kind, doc: s.doc }
  let text: string
  if ('file' in s.location) {
    try {
      text = await readFile(s.location.file, 'utf8')
    } catch (err) {
      throw new GriddleError('GRIDDLE_ERR_FLAGS_SOURCE', `${s.location.file}: ${(err as Error).message}`, { cause: err })
    }
  } else {
    text = await fetchText(s.location)
  }
  return { kind: s.kind, doc: parseConfigText(text) }
}

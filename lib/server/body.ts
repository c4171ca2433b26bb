/**
 * Request bodies: read only for methods other than GET and HEAD, never past
 * `bodyLimit` (a larger Content-Length is refused before any byte is read),
 * JSON parsed for JSON media types, raw bytes otherwise.
 */
import { GriddleError } from '../errors.js'
import { OPEN, READING, type Reply } from './reply.js'
import type { Request } from './request.js'
import type { Core, RouteEntry } from './core.js'
import { track } from './deadlines.js'
import { fail, sendError } from './error-answer.js'
import { run } from './run.js'
import { kRes, kState } from '../symbols.js'

const DIGITS = /^[0-9]+$/
const EMPTY = Buffer.alloc(0)

/**
 * True when the body must be read: a non-zero length, a transfer coding, or
 * a JSON type, whose empty body is answered 400 whatever way it was sent.
 */
export function announcesBody(headers: Record<string, string>): boolean {
  const length = headers['content-length']
  if (length === '0') return isJsonType(headers['content-type'])
  return length !== undefined || headers['transfer-encoding'] !== undefined
}

/** application/json and the structured-syntax `+json` types. */
export function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semi = contentType.indexOf(';')
  const essence = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return essence === 'application/json' || (essence.startsWith('application/') && essence.endsWith('+json'))
}

/** Refuses before reading: the connection closes, since the body stays unread. */
function refuse(core: Core, reply: Reply, code: 'GRIDDLE_ERR_MEDIA_TYPE' | 'GRIDDLE_ERR_BODY_TOO_LARGE' | 'GRIDDLE_ERR_BAD_REQUEST', detail: string): void {
  const err = new GriddleError(code, detail)
  sendError(core, reply, err.statusCode!, err.message, code, undefined, null, true)
}

function parse(core: Core, req: Request, reply: Reply, raw: Buffer, json: boolean): boolean {
  if (!json) {
    req.body = raw
    return true
  }
  if (raw.length === 0) {
    fail(core, req, reply, new GriddleError('GRIDDLE_ERR_BAD_JSON', 'the body is empty'))
    return false
  }
  try {
    req.body = JSON.parse(raw.toString('utf8'))
    return true
  } catch (err) {
    fail(core, req, reply, new GriddleError('GRIDDLE_ERR_BAD_JSON', (err as Error).message))
    return false
  }
}

/**
 * Reads the body, then runs the route. The deadline covers the upload too:
 * a client that stops sending gets 408 and the connection is closed.
 */
export function readBody(core: Core, entry: RouteEntry, req: Request, reply: Reply): void {
  const headers = req.headers
  const json = isJsonType(headers['content-type'])
  if (entry.checkBody !== null && !json) {
    return refuse(core, reply, 'GRIDDLE_ERR_MEDIA_TYPE', `${entry.where} takes application/json, not ${headers['content-type'] ?? 'an untyped body'}`)
  }
  const declared = headers['content-length']
  let buffer: Buffer | null = null
  if (declared !== undefined) {
    if (!DIGITS.test(declared)) return refuse(core, reply, 'GRIDDLE_ERR_BAD_REQUEST', 'invalid Content-Length')
    const length = Number(declared)
    if (length > core.bodyLimit) return refuse(core, reply, 'GRIDDLE_ERR_BODY_TOO_LARGE', `${length} bytes, the limit is ${core.bodyLimit}`)
    // uWS calls onData for no byte of an empty body: answer now.
    if (length === 0) {
      if (parse(core, req, reply, EMPTY, json)) run(core, entry, req, reply)
      return
    }
    buffer = Buffer.allocUnsafe(length)
  }
  reply[kState] = READING
  track(core, reply)
  const chunks: Buffer[] = []
  let received = 0
  reply[kRes]!.onData((chunk, last) => {
    if (reply[kState] !== READING) return
    const size = chunk.byteLength
    if (received + size > core.bodyLimit || (buffer !== null && received + size > buffer.length)) {
      return refuse(core, reply, 'GRIDDLE_ERR_BODY_TOO_LARGE', `over ${core.bodyLimit} bytes`)
    }
    // uWS reuses the chunk's memory after this callback: copy it now.
    if (buffer !== null) buffer.set(new Uint8Array(chunk), received)
    else chunks.push(Buffer.from(new Uint8Array(chunk)))
    received += size
    if (!last) return
    reply[kState] = OPEN
    const raw = buffer !== null ? buffer.subarray(0, received) : Buffer.concat(chunks, received)
    if (parse(core, req, reply, raw, json)) run(core, entry, req, reply)
  })
}

/**
 * Wire writing: status line, headers and body handed to uWS, with the
 * status lines prebuilt and the uWS quirks of bodiless answers in one place.
 */
import { STATUS_CODES } from 'node:http'
import { STRINGS_AS_BYTES, type UwsResponse } from '../uws.js'

/** `STATUS_LINES[code]` is uWS's writeStatus argument, e.g. "404 Not Found". */
export const STATUS_LINES: string[] = []
for (let code = 100; code <= 599; code++) STATUS_LINES[code] = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`

/**
 * String bodies up to SCRATCH_CHARS UTF-16 units (at most 3 UTF-8 bytes each,
 * so they always fit) are encoded into this one buffer and handed to uWS as
 * a view of it: uWS copies what end() is given (into the cork buffer, the
 * socket or its backpressure buffer) before it returns, so the buffer is
 * free again for the next answer.
 */
const SCRATCH = Buffer.allocUnsafeSlow(192 * 1024)
const SCRATCH_CHARS = SCRATCH.length / 3

export function byteLength(payload: string | Uint8Array | ArrayBuffer): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength
}

/**
 * Writes status, headers and body. `head` answers without the body but with
 * its length; `close` asks uWS to close the connection afterwards. Returns
 * the body bytes written when that cost nothing to know (bytes, or a string
 * made bytes for uWS), else -1: telemetry's byteLength is then needed only
 * for a string over 64 Ki units on the builds that take strings
 * (bench/results/http-request-path.md).
 */
export function writeResponse(res: UwsResponse, status: number, type: string | null, extra: string[] | null,
  payload: string | Uint8Array | ArrayBuffer, head: boolean, close: boolean): number {
  if (status !== 200) res.writeStatus(STATUS_LINES[status]!)
  // 204 and 304 never carry a body (RFC 9110 §15.3.5, §15.4.5), whatever the handler returned, so no type either.
  const empty = status === 204 || status === 304
  if (type !== null && !empty) res.writeHeader('content-type', type)
  if (extra !== null) for (let i = 0; i < extra.length; i += 2) res.writeHeader(extra[i]!, extra[i + 1]!)
  if (empty) {
    endEmpty(res, close)
    return 0
  }
  if (head) {
    endHead(res, byteLength(payload), close)
    return 0
  }
  if (typeof payload !== 'string') {
    res.end(payload, close)
    return payload.byteLength
  }
  if (payload.length <= SCRATCH_CHARS) {
    // Encoded once, here: uWS then copies bytes instead of measuring and
    // encoding the string itself, and the length is known for telemetry.
    const n = SCRATCH.write(payload, 0)
    res.end(new Uint8Array(SCRATCH.buffer, 0, n), close)
    return n
  }
  if (!STRINGS_AS_BYTES) {
    res.end(payload, close)
    return -1
  }
  const bytes = Buffer.from(payload)
  res.end(bytes, close)
  return bytes.byteLength
}

export function noop(): void {}

/** Ends a response that has no body (204, 304). */
export function endEmpty(res: UwsResponse, close: boolean): void {
  res.onAborted(noop)
  if (close) res.endWithoutBody(0, true)
  else res.endWithoutBody()
}

/**
 * Ends a HEAD response announcing `length` body bytes. uWS 20.30 writes the
 * body of end() even for HEAD, and endWithoutBody(n) leaves the connection
 * waiting for n body bytes (any argument, even undefined, counts). A header
 * plus a bare endWithoutBody() answers and keeps the connection; when it
 * closes anyway, endWithoutBody(n, true) is right. uWS aborts the process if
 * the response has no abort handler.
 */
export function endHead(res: UwsResponse, length: number, close: boolean): void {
  res.onAborted(noop)
  if (close) {
    res.endWithoutBody(length, true)
  } else {
    res.writeHeader('Content-Length', String(length))
    res.endWithoutBody()
  }
}

/**
 * A handler's return value as bytes and a content type: strings are text,
 * bytes are bytes, undefined is an empty body, anything else is JSON.
 */
import type { Serializer } from '../schema/serialize.js'

export const JSON_TYPE = 'application/json; charset=utf-8'
export const TEXT_TYPE = 'text/plain; charset=utf-8'
export const BYTES_TYPE = 'application/octet-stream'

/** The response body and its content type, computed before anything is written. */
export interface Body {
  payload: string | Uint8Array | ArrayBuffer
  type: string | null
}

/**
 * Turns a handler's return value into bytes: strings are text, bytes are
 * bytes, undefined is an empty body, anything else is JSON through the
 * route's serializer. Throws what the serializer throws, and a TypeError for
 * a value with no JSON text (a Symbol, a function).
 */
export function toBody(value: unknown, serialize: Serializer, body: Body): void {
  if (typeof value === 'string') {
    body.payload = value
    body.type = TEXT_TYPE
  } else if (value === undefined) {
    body.payload = ''
    body.type = null
  } else if (typeof value === 'object' && value !== null && (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)) {
    body.payload = ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value
    body.type = BYTES_TYPE
  } else {
    const json = serialize(value)
    // JSON.stringify gives undefined for a Symbol, a function, or a toJSON that returns one: no JSON text at all.
    if (typeof json !== 'string') throw new TypeError(`a ${typeof value} has no JSON form`)
    body.payload = json
    body.type = JSON_TYPE
  }
}

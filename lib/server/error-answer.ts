/**
 * Error answers: the status an error asks for, the JSON error body (fastify's
 * shape), and the answer for a thrown or rejected error.
 */
import { STATUS_CODES } from 'node:http'
import type { Core } from './core.js'
import { endReply, type EndKind } from './end.js'
import type { Reply } from './reply.js'
import type { Request } from './request.js'
import { JSON_TYPE } from './payload.js'

export interface ErrorPayload {
  statusCode: number
  error: string
  message: string
  code?: string
  field?: string
}

/** The JSON body of an error response (fastify's shape). */
export function errorPayload(status: number, message: string, code?: string, field?: string): string {
  const body: ErrorPayload = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }
  if (code !== undefined) body.code = code
  if (field !== undefined) body.field = field
  return JSON.stringify(body)
}

/** The status an error asks for (400–599), or 0 when it names none. */
export function httpStatus(err: unknown): number {
  if (err === null || typeof err !== 'object') return 0
  const e = err as { statusCode?: unknown, status?: unknown }
  const s = e.statusCode ?? e.status
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s <= 599 ? s : 0
}

/** Answers with an error body; `close` when the rest of the request was not read. */
export function sendError(core: Core, reply: Reply, status: number, message: string, code?: string,
  field?: string, extra: string[] | null = null, close = false, kind: EndKind = 'error'): void {
  endReply(core, reply, kind, status, JSON_TYPE, extra, errorPayload(status, message, code, field), close)
}

/**
 * Answers for a thrown or rejected error: its own 4xx/5xx status and message,
 * or a generic 500. Every 5xx is reported through onError.
 */
export function fail(core: Core, req: Request, reply: Reply, err: unknown): void {
  const status = httpStatus(err)
  if (status === 0 || status >= 500) core.report(err, req)
  if (status === 0) return sendError(core, reply, 500, 'Internal Server Error')
  const e = err as { message?: unknown, code?: unknown, field?: unknown }
  sendError(core, reply, status, typeof e.message === 'string' ? e.message : '',
    typeof e.code === 'string' ? e.code : undefined, typeof e.field === 'string' ? e.field : undefined)
}

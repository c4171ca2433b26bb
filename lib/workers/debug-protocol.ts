/**
 * The messages between serve()'s main thread and a worker for /debug/*:
 * the main thread asks (`griddle:debug`, with an id), the worker answers
 * with zero or more chunks (heap snapshots) and then one reply carrying
 * the value or the error. Messages of other types pass by untouched.
 */
export const DEBUG_ASK = 'griddle:debug'
export const DEBUG_REPLY = 'griddle:debug-reply'

export type DebugAsk =
  | { type: typeof DEBUG_ASK, id: number, op: 'profile', seconds: number, intervalUs?: number }
  | { type: typeof DEBUG_ASK, id: number, op: 'heap' }
  | { type: typeof DEBUG_ASK, id: number, op: 'gc' }

export interface DebugReply {
  type: typeof DEBUG_REPLY
  id: number
  /** A part of a heap snapshot's text (UTF-8); more follow, then the final reply. */
  chunk?: Uint8Array
  done?: boolean
  value?: unknown
  error?: { code?: string, message: string }
}

export function isDebugReply(m: unknown): m is DebugReply {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === DEBUG_REPLY
}

export function isDebugAsk(m: unknown): m is DebugAsk {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === DEBUG_ASK
}

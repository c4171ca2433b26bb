/**
 * The default error reporter: one line on stderr per error, whatever the
 * error holds. Control characters are escaped, so a message cannot forge a
 * second log line (CR, LF) or drive a terminal (ANSI escapes). The telemetry
 * issue replaces this with a structured logger.
 */
import { inspect } from 'node:util'
import type { Request } from './request.js'

// C0 controls, DEL, C1 controls, and the two line separators some viewers honour.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

/** Escapes every control character as \n, \r, \t or \uXXXX. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** An error as text: its stack, extra properties (code) and cause chain, or any other value as inspect shows it. */
export function describeError(err: unknown): string {
  try {
    return inspect(err, { depth: 4, breakLength: Infinity, colors: false, getters: false, showProxy: true })
  } catch {
    // An object whose inspection throws (hostile Proxy traps) still gets a line.
    return Object.prototype.toString.call(err)
  }
}

/** The line the default reporter writes for err (without a newline). */
export function errorLine(err: unknown, req: Request | null): string {
  const where = req === null ? '' : ` on ${req.method} ${req.path}`
  return escapeControls(`griddle: error${where}: ${describeError(err)}`)
}

export function defaultReporter(err: unknown, req: Request | null): void {
  console.error(errorLine(err, req))
}

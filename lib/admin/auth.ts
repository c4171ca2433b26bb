/**
 * Admin authentication: one bearer token, given as `Authorization: Bearer`,
 * or once per browser through the login form or `?token=`, which set an
 * HttpOnly cookie. Compared in constant time: both sides are hashed to equal
 * length first, because crypto.timingSafeEqual needs equal lengths and a
 * length check of its own would leak the token's length.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

export const COOKIE = 'griddle_admin'

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

export class TokenCheck {
  private readonly want: Buffer

  constructor(token: string) {
    this.want = digest(token)
  }

  matches(given: string | null): boolean {
    if (given === null || given.length === 0) return false
    return timingSafeEqual(digest(given), this.want)
  }
}

/** The token of a Bearer Authorization header, else null. */
export function bearer(header: string): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header)
  return m === null ? null : m[1]!
}

/** The admin cookie's value in a Cookie header, else null. */
export function cookieToken(header: string): string | null {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

/** The Set-Cookie value that remembers a token for this listener. */
export function setCookie(token: string): string {
  return `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`
}

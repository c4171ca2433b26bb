/** Cookie headers, read the way the unit key and flag attributes both read them. */

/** The value of one cookie in a Cookie header (quotes and percent-encoding removed). */
export function cookieIn(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim()
      const unquoted = v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"' ? v.slice(1, -1) : v
      try {
        return decodeURIComponent(unquoted)
      } catch {
        return unquoted
      }
    }
  }
  return undefined
}

/**
 * The release audit log: every change of a release, manual or automatic, as
 * one JSON object per line appended to a file (when `releases.auditLog` is
 * set), and the last entries in memory for `r.status()` and the admin API.
 * Entries are rare (a few per release step), never per request.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import type { AuditEntry } from './release-types.js'

export const AUDIT_RING = 1000

export class AuditLog {
  private readonly ring: AuditEntry[] = []
  private stream: WriteStream | null = null
  private failed: string | null = null

  constructor(readonly path: string | null, private readonly log: (line: string) => void = (l) => console.error(l)) {}

  write(entry: AuditEntry): void {
    this.ring.push(entry)
    if (this.ring.length > AUDIT_RING) this.ring.shift()
    if (this.path === null || this.failed !== null) return
    if (this.stream === null) {
      this.stream = createWriteStream(this.path, { flags: 'a' })
      this.stream.on('error', (err) => {
        // The log goes on in memory; one line says why the file stopped.
        this.failed = err.message
        this.log(`griddle: release audit log ${this.path}: ${err.message}`)
      })
    }
    this.stream.write(JSON.stringify(entry) + '\n')
  }

  /** Oldest first, at most `limit`; only those of one route and version when given. */
  entries(limit = AUDIT_RING, route?: string, version?: string): AuditEntry[] {
    const all = route === undefined ? this.ring : this.ring.filter((e) => e.route === route && (version === undefined || e.version === version))
    return all.slice(Math.max(0, all.length - limit))
  }

  /** Resolves once what was written has reached the file. */
  flush(): Promise<void> {
    const s = this.stream
    if (s === null || this.failed !== null) return Promise.resolve()
    return new Promise((resolve) => s.write('', () => resolve()))
  }

  close(): Promise<void> {
    const s = this.stream
    this.stream = null
    if (s === null) return Promise.resolve()
    return new Promise((resolve) => s.end(() => resolve()))
  }
}

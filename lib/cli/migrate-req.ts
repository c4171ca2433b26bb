/**
 * net.ipv4.tcp_migrate_req (Linux 5.14+): when a SO_REUSEPORT listener
 * closes, the kernel moves the connections waiting in its accept queue (and
 * its half-open ones) to a sibling listener instead of resetting them. A
 * reload closes the old generation's listeners while the new one listens,
 * so with the setting at 0 a client whose connection was queued at that
 * instant gets ECONNRESET (measured: bench/results/delivery.md), unless the
 * supervisor could steer new connections away from the closing listeners
 * first (lib/workers/steered-handover.ts): then it is an extra safety. The setting
 * belongs to the whole network namespace, so `griddle start` changes it only
 * when asked (--migrate-requests) and allowed (root in its namespace), and
 * otherwise says what to set.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const PATH = 'proc/sys/net/ipv4/tcp_migrate_req'

/** The setting as an integer, or null where the kernel has none (not Linux, or older than 5.14). */
export function readMigrateReq(root = '/'): number | null {
  try {
    const n = Number(readFileSync(join(root, PATH), 'utf8').trim())
    return Number.isInteger(n) ? n : null
  } catch {
    return null
  }
}

export type MigrateOutcome =
  | { state: 'on' }
  | { state: 'absent' }
  | { state: 'set', was: number }
  | { state: 'off', why: string }

/**
 * Makes sure the setting is 1 when `set` is true and this process may write
 * it; never lowers it. 'off' carries why it stays 0 (not asked, or not allowed).
 */
export function ensureMigrateReq(set: boolean, root = '/'): MigrateOutcome {
  const now = readMigrateReq(root)
  if (now === null) return { state: 'absent' }
  if (now !== 0) return { state: 'on' }
  if (!set) return { state: 'off', why: 'not asked to set it: --migrate-requests' }
  try {
    writeFileSync(join(root, PATH), '1\n')
  } catch (err) {
    return { state: 'off', why: `this process may not write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` }
  }
  return readMigrateReq(root) === 1 ? { state: 'set', was: now } : { state: 'off', why: 'the write did not take' }
}

/** The line `griddle start` logs about it, or null when there is nothing to say. */
export function migrateMessage(o: MigrateOutcome): string | null {
  if (o.state === 'set') return `griddle: set net.ipv4.tcp_migrate_req to 1 (was ${o.was}): a reload resets no queued connection`
  if (o.state === 'off') {
    return `griddle: net.ipv4.tcp_migrate_req is 0 (${o.why}): reloads steer new connections away from closing listeners ` +
      '(2 or more workers, a port no other process listens on); where they cannot, a connection waiting in a closing ' +
      "listener's accept queue can be reset: set it to 1 (see docs/deploy.md)"
  }
  return null
}

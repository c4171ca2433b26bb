/**
 * The TypeScript twin of native/reuseport.*: what a SO_REUSEPORT group on a
 * port is made of, and the classic BPF program that picks, for each new
 * connection, a socket by its slot in the group's array (docs/deploy.md,
 * "The SO_REUSEPORT accept-queue trap"). No privilege is needed. Sockets are
 * named by fd and inode together: a worker may close its listener and the fd
 * number be reused, and native refuses an fd whose inode changed.
 */
import { openSync, readSync, closeSync } from 'node:fs'
import { native } from '../binding.js'
import { GriddleTypeError } from '../errors.js'

/** A listening socket of this process. */
export interface Listener {
  readonly fd: number
  readonly inode: number
}

interface ReuseportBinding {
  readonly REUSEPORT: { readonly MAX_SLOTS: number }
  reuseportListeners(port: number): number[]
  reuseportSteer(fd: number, inode: number, slots: Int32Array, size: number): void
  reuseportUnsteer(fd: number, inode: number): boolean
  reuseportAcceptQueue(fd: number, inode: number): number
}

const n = native as unknown as ReuseportBinding

/** The most slots one program chooses among (native/reuseport.h). */
export const MAX_SLOTS = n.REUSEPORT.MAX_SLOTS

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'port must be an integer from 1 to 65535')
}

function checkSocket(s: Listener): void {
  if (!Number.isInteger(s.fd) || s.fd < 0 || !Number.isInteger(s.inode) || s.inode < 0) {
    throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'a listener is a non-negative integer fd and inode')
  }
}

/** This process's listening SO_REUSEPORT TCP sockets bound to port (any address). */
export function listeners(port: number): Listener[] {
  checkPort(port)
  const flat = n.reuseportListeners(port)
  const out: Listener[] = []
  for (let i = 0; i < flat.length; i += 2) out.push({ fd: flat[i]!, inode: flat[i + 1]! })
  return out
}

/**
 * Attaches to the group of `via` (any member) a program sending each new
 * connection to one of `slots`, uniformly at random; `size` is the group's
 * length, which every slot must be below (the kernel would hash a connection
 * whose slot is out of range, the very thing steering avoids). Replaces the
 * group's program atomically.
 */
export function steer(via: Listener, slots: readonly number[], size: number): void {
  checkSocket(via)
  if (!Number.isInteger(size) || size < 1) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', 'size must be a positive integer')
  if (slots.length === 0 || slots.length > MAX_SLOTS) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `slots must hold 1 to ${MAX_SLOTS} indexes`)
  for (const s of slots) {
    if (!Number.isInteger(s) || s < 0 || s >= size) throw new GriddleTypeError('GRIDDLE_ERR_INVALID_ARG', `slot ${s} is out of range: the group has ${size}`)
  }
  n.reuseportSteer(via.fd, via.inode, Int32Array.from(slots), size)
}

/** Removes the program of the group of `via` (the kernel's hash picks again); false when there was none. */
export function unsteer(via: Listener): boolean {
  checkSocket(via)
  return n.reuseportUnsteer(via.fd, via.inode)
}

/** How many connections wait in the listener's accept queue. */
export function acceptQueue(s: Listener): number {
  checkSocket(s)
  return n.reuseportAcceptQueue(s.fd, s.inode)
}

const LISTEN_STATE = '0A'

/**
 * The inodes of every listening TCP socket of the network namespace on port
 * (any process, IPv4 and IPv6), from /proc/net/tcp and tcp6. The kernel
 * writes listeners before connections, so reading stops at the first row
 * that is not one: a busy server's connection rows are never read.
 */
export function namespaceListeners(port: number): Set<number> {
  checkPort(port)
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  const found = new Set<number>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const row of listenRows(file)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = row.trim().split(/\s+/)
      if (f[1]?.endsWith(`:${hexPort}`)) found.add(Number(f[9]))
    }
  }
  return found
}

function listenRows(file: string): string[] {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return []
  }
  const rows: string[] = []
  const buf = Buffer.alloc(64 * 1024)
  let rest = ''
  let header = true
  try {
    for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) {
      const lines = (rest + buf.toString('latin1', 0, got)).split('\n')
      rest = lines.pop()!
      for (const line of lines) {
        if (header) { header = false; continue }
        if (line.trim().split(/\s+/)[3] !== LISTEN_STATE) return rows
        rows.push(line)
      }
    }
  } finally {
    closeSync(fd)
  }
  return rows
}

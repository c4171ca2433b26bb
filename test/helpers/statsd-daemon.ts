/**
 * The reference StatsD daemon (npm `statsd`) on loopback, with a backend
 * that appends each flush to a file, for the tests that count what it saw.
 */
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../lib/server/ports.js'
import { sleep } from './http.js'

// CommonJS fixtures for the daemon live in the source tree (tsc does not copy them).
const fixture = (name: string) => fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url))

export function udpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4')
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

export interface Flush { counters: Record<string, number>, gauges: Record<string, number> }

export interface Daemon {
  port: number
  flushes(): Flush[]
  stop(): Promise<void>
}

/** Starts the daemon (flushing every 100 ms) and waits for its first flush. */
export async function startDaemon(): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'griddle-statsd-'))
  const recorderFile = join(dir, 'flushes.jsonl')
  const port = await udpPort()
  const config = {
    port, address: '127.0.0.1', mgmt_port: await freePort('127.0.0.1'), mgmt_address: '127.0.0.1',
    flushInterval: 100, backends: [fixture('statsd-recorder.cjs')], recorderFile, automaticConfigReload: false,
  }
  writeFileSync(join(dir, 'config.js'), JSON.stringify(config))
  const bin = createRequire(import.meta.url).resolve('statsd/stats.js')
  const child: ChildProcess = spawn(process.execPath, ['-r', fixture('statsd-compat.cjs'), bin, join(dir, 'config.js')], { stdio: 'ignore' })
  const flushes = () => existsSync(recorderFile)
    ? readFileSync(recorderFile, 'utf8').trim().split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Flush)
    : []
  for (let i = 0; i < 300 && flushes().length === 0; i++) await sleep(20)
  assert.ok(flushes().length > 0, 'the statsd daemon started and flushed')
  return {
    port,
    flushes,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => {
        rmSync(dir, { recursive: true, force: true })
        resolve()
      })
      child.kill('SIGKILL')
    }),
  }
}

/** A counter summed over every flush. */
export const total = (flushes: Flush[], key: string): number => flushes.reduce((n, f) => n + (f.counters[key] ?? 0), 0)

/** Waits (bounded: 4 s) until the counter reaches `n`, then a little longer, so that a count past n would show. */
export async function settle(d: Daemon, key: string | ((f: Flush[]) => number), n: number): Promise<number> {
  const read = typeof key === 'string' ? (f: Flush[]) => total(f, key) : key
  for (let i = 0; i < 200 && read(d.flushes()) < n; i++) await sleep(20)
  await sleep(250)
  return read(d.flushes())
}

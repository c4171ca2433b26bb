import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { buildLoadgen, runLoadgen, LOADGEN_BIN } from '../../bench/http/loadgen.js'
import { hasCommand } from '../../bench/http/procs.js'

const haveCc = await hasCommand('cc')
const skip = haveCc ? false : 'no C compiler (cc) on this machine: bench/loadgen cannot be built (apt-get install -y gcc)'
if (haveCc) await buildLoadgen()

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** Runs `fn` against a local node:http server whose requests are handled by `handler`. */
async function withServer<T>(handler: Handler, fn: (port: number) => Promise<T>): Promise<T> {
  let n = 0
  const server = createServer((req, res) => handler(req, res, n++))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    return await fn((server.address() as AddressInfo).port)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

test('loadgen sends every scheduled request once, cycling through the path list', { skip }, async () => {
  const seen = new Map<string, number>()
  const dir = mkdtempSync(join(tmpdir(), 'loadgen-test-'))
  const pathsFile = join(dir, 'paths.txt')
  writeFileSync(pathsFile, '/a\n/b\n')
  try {
    const r = await withServer(
      (req, res) => {
        seen.set(req.url!, (seen.get(req.url!) ?? 0) + 1)
        reply(res, 200, '{"ok":true}')
      },
      (port) => runLoadgen({ port, rate: 2000, seconds: 0.25, connections: 8, pathsFile }),
    )
    assert.equal(r.scheduled, 500)
    assert.equal(r.sent, 500)
    assert.equal(r.completed, 500)
    assert.equal(r.errors, 0)
    assert.equal(r.status['2xx'], 500)
    assert.equal(r.latency_us.count, 500)
    assert.deepEqual(Object.fromEntries(seen), { '/a': 250, '/b': 250 })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('loadgen charges a stalled server for the time requests waited to be sent', { skip }, async () => {
  // 20 requests due over 0.2 s on 2 connections, each answered after 50 ms:
  // the last cannot finish before 10 * 50 ms = 500 ms, and was due at 190 ms,
  // so measured from its intended send time it took about 310 ms or more
  // (250 leaves room for timers firing a little early; a generator measuring
  // from the actual send would report about 50).
  const r = await withServer(
    (_req, res) => setTimeout(() => reply(res, 200, '{}'), 50),
    (port) => runLoadgen({ port, rate: 100, seconds: 0.2, connections: 2 }),
  )
  assert.equal(r.completed, 20)
  assert.ok(r.latency_us.p50 >= 50_000, `p50 ${r.latency_us.p50} µs is below the server's 50 ms sleep`)
  assert.ok(r.latency_us.max >= 250_000, `max ${r.latency_us.max} µs ignores the queueing delay`)
})

test('loadgen counts 503s apart and keeps a latency histogram of 2xx answers only', { skip }, async () => {
  const r = await withServer(
    (_req, res, n) => reply(res, n % 2 ? 503 : 200, '{}'),
    (port) => runLoadgen({ port, rate: 1000, seconds: 0.2, connections: 1 }),
  )
  assert.equal(r.completed, 200)
  assert.equal(r.status['2xx'], 100)
  assert.equal(r.status['503'], 100)
  assert.equal(r.non2xx, 100)
  assert.equal(r.latency_us.count, 200)
  assert.equal(r.latency_2xx_us.count, 100)
})

test('loadgen leaves the 2xx answers to requests due in the first --settle seconds out of the settled histogram only', { skip }, async () => {
  // 100 requests due over 0.5 s on 1 connection; those due in the first 0.2 s
  // (40 of them) count in latency_2xx_us and not in latency_2xx_settled_us.
  const r = await withServer(
    (_req, res) => reply(res, 200, '{}'),
    (port) => runLoadgen({ port, rate: 200, seconds: 0.5, connections: 1, settleSeconds: 0.2 }),
  )
  assert.equal(r.completed, 100)
  assert.equal(r.settle_s, 0.2)
  assert.equal(r.latency_2xx_us.count, 100)
  assert.equal(r.latency_2xx_settled_us.count, 60)
  const none = await withServer(
    (_req, res) => reply(res, 200, '{}'),
    (port) => runLoadgen({ port, rate: 200, seconds: 0.1, connections: 1 }),
  )
  assert.equal(none.settle_s, 0)
  assert.equal(none.latency_2xx_settled_us.count, none.latency_2xx_us.count)
})

test('loadgen refuses a --settle as long as the run', { skip }, async () => {
  const child = spawn(LOADGEN_BIN, ['--port', '1', '--rate', '10', '--duration', '1', '--settle', '1'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise((resolve) => child.once('exit', resolve))
  assert.equal(code, 2)
  assert.match(err, /--settle must be shorter than --duration/)
})

test('loadgen refuses a bad argument with its usage and exit code 2', { skip }, async () => {
  const child = spawn(LOADGEN_BIN, ['--port', '1', '--rate', 'fast'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise((resolve) => child.once('exit', resolve))
  assert.equal(code, 2)
  assert.match(err, /--rate must be a number/)
  assert.match(err, /usage: loadgen/)
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Worker } from 'node:worker_threads'
import { Debugger } from '../../lib/admin/debugger.js'
import { WorkerThreads } from '../../lib/workers/debug-main.js'

// A thread that keeps running but never answers a debug ask, as a worker whose loop is blocked would.
const SILENT = `const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); setInterval(() => {}, 1000)`

test('a worker that never answers fails the ask with a coded 504 instead of hanging', { timeout: 30_000 }, async () => {
  const threads = new WorkerThreads()
  const worker = new Worker(SILENT, { eval: true })
  threads.attach(0, worker)
  const debug = new Debugger(threads)
  try {
    assert.deepEqual(debug.threads(), ['main', 0])
    // The GC ask has the shortest limit (5 s).
    await assert.rejects(debug.gc({ thread: 0 }), (err: { code?: string, statusCode?: number }) =>
      err.code === 'GRIDDLE_ERR_DEBUG_TIMEOUT' && err.statusCode === 504)
  } finally {
    await worker.terminate()
    threads.close()
  }
  // An exited worker is no longer a thread to ask.
  assert.deepEqual(debug.threads(), ['main'])
  await assert.rejects(debug.heap({ thread: 0 }), { code: 'GRIDDLE_ERR_THREAD_NOT_FOUND' })
})

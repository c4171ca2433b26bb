/**
 * The worker's half of /debug/*: answers the main thread's asks on this
 * thread (a node:inspector session of its own, opened for the capture and
 * closed after; the GC histogram of lib/telemetry/gc-pauses.ts). Until an
 * ask arrives, nothing but an idle message listener exists.
 */
import type { MessagePort } from 'node:worker_threads'
import { captureHeap } from '../admin/debug-heap.js'
import { captureProfile } from '../admin/debug-profile.js'
import { gcHistogram } from '../telemetry/gc-pauses.js'
import { DEBUG_REPLY, isDebugAsk, type DebugAsk, type DebugReply } from './debug-protocol.js'

async function run(ask: DebugAsk, port: MessagePort): Promise<unknown> {
  if (ask.op === 'profile') return captureProfile(ask.seconds, ask.intervalUs, false)
  if (ask.op === 'gc') return gcHistogram()
  // Each chunk leaves at once: the worker never holds the whole snapshot text.
  return captureHeap((chunk) => port.postMessage({ type: DEBUG_REPLY, id: ask.id, chunk } satisfies DebugReply))
}

/** Serves debug asks arriving on `port` (the worker's parentPort). */
export function answerDebugAsks(port: MessagePort): void {
  port.on('message', (m: unknown) => {
    if (!isDebugAsk(m)) return
    run(m, port).then(
      (value) => port.postMessage({ type: DEBUG_REPLY, id: m.id, done: true, value } satisfies DebugReply),
      (err: unknown) => {
        const e = err as { code?: string, message?: string }
        port.postMessage({ type: DEBUG_REPLY, id: m.id, done: true, error: { code: e.code, message: e.message ?? String(err) } } satisfies DebugReply)
      })
  })
}

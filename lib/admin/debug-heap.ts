/**
 * V8 heap snapshots of the calling thread, for GET /debug/heap: the
 * DevTools protocol's HeapProfiler.takeHeapSnapshot, whose JSON arrives in
 * chunks. Each chunk goes to `onChunk` as it comes (a worker posts it to
 * the main thread), so the thread being captured never holds the whole
 * text. The result is a `.heapsnapshot` file that Chrome DevTools' Memory
 * tab loads. The session exists only during the capture.
 */
import { Session } from 'node:inspector/promises'

/** Snapshots this thread's heap; resolves with the number of UTF-8 bytes passed to `onChunk`. */
export async function captureHeap(onChunk: (chunk: string) => void): Promise<number> {
  const session = new Session()
  let bytes = 0
  session.on('HeapProfiler.addHeapSnapshotChunk', (m) => {
    const chunk = (m.params as { chunk: string }).chunk
    bytes += Buffer.byteLength(chunk)
    onChunk(chunk)
  })
  try {
    session.connect()
    await session.post('HeapProfiler.enable')
    // Chunks are all delivered before this resolves.
    await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
    await session.post('HeapProfiler.disable')
    return bytes
  } finally {
    session.disconnect()
  }
}

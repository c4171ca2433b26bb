import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A fresh directory under the OS temp dir, removed when its owner ends:
 * `tempDir((fn) => t.after(fn), 'griddle-x-')` for one test, `tempDir(after, …)` for a file.
 */
export function tempDir(onEnd: (fn: () => void) => void, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onEnd(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

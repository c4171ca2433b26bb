import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { native } from '../../lib/binding.js'

// AddressSanitizer keeps freed memory in quarantine, so RSS says nothing there.
const skip = native.sanitized ? 'RSS is meaningless under AddressSanitizer' : false

function runScript(script: string): number {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return Number(r.stdout.trim())
}

// Values are written from one reused buffer, so the JS heap stays flat and
// what RSS gains is the native store.
test('resident memory tracks maxBytes while four times as much is written', { skip }, () => {
  const grown = runScript(`
    const { Cache } = await import('griddle')
    const MB = 1048576
    const c = new Cache({ maxBytes: 128 * MB })
    const v = new Uint8Array(8192)
    globalThis.gc()
    const before = process.memoryUsage().rss
    let written = 0, i = 0
    while (written < 512 * MB) {
      const n = 200 + (i * 7919) % 8000
      c.set('key:' + i++, v.subarray(0, n))
      written += n
    }
    if (c.stats().bytes > 128 * MB) process.exit(2)
    globalThis.gc()
    console.log((process.memoryUsage().rss - before) / MB)`)
  // Stated overhead: bookkeeping is charged, so only allocator slack and
  // table growth show on top of maxBytes; allow 15 % + 16 MB.
  assert.ok(grown < 128 * 1.15 + 16, `RSS grew by ${grown.toFixed(1)} MB for a 128 MB cache`)
  assert.ok(grown > 64, `RSS grew by only ${grown.toFixed(1)} MB: is the cache storing anything?`)
})

test('caches dropped without close are freed by the garbage collector', { skip }, () => {
  const grown = runScript(`
    const { Cache } = await import('griddle')
    const churn = () => {
      for (let k = 0; k < 200; k++) {
        const c = new Cache({ maxBytes: 1 << 20, ttlMs: 60000 })
        for (let i = 0; i < 100; i++) c.set('k' + i, new Uint8Array(4000), { tags: ['t' + (i % 5)] })
      }
    }
    churn(); globalThis.gc(); await new Promise(r => setTimeout(r, 50)); globalThis.gc()
    const before = process.memoryUsage().rss
    for (let round = 0; round < 10; round++) { churn(); globalThis.gc(); await new Promise(r => setTimeout(r, 20)) }
    globalThis.gc()
    console.log((process.memoryUsage().rss - before) / 1048576)`)
  // 2,000 caches holding 400 KB each would be 800 MB if leaked.
  assert.ok(grown < 60, `RSS grew by ${grown.toFixed(1)} MB`)
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// As fastify's test/same-shape.test.js: the objects built for every request
// keep one hidden class whatever the request did, so the request path stays
// monomorphic. V8 answers that itself (%HaveSameMap), in a child process.
test('req, reply and app keep one hidden class across every kind of request', async () => {
  const child = fileURLToPath(new URL('../fixtures/same-shape-child.js', import.meta.url))
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--allow-natives-syntax', child], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
  const result = JSON.parse(out) as { requests: number, req: string[], reply: string[], app: boolean }
  assert.equal(result.requests, 10)
  assert.deepEqual(result.req, [], 'requests whose req has another hidden class')
  assert.deepEqual(result.reply, [], 'requests whose reply has another hidden class')
  assert.equal(result.app, true, 'two apps have different hidden classes')
})

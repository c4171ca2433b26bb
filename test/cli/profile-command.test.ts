import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { parseProfileQuery, takeProfile } from '../../lib/admin/debug-profile.js'
import { dispatch } from '../../lib/cli/dispatch.js'
import { profileUrl } from '../../lib/cli/profile-command.js'

/**
 * An admin endpoint as the admin listener will mount it: bearer token, then
 * the debug-profile module. (The listener itself is another module's work.)
 */
async function withAdmin(token: string, fn: (url: string, seen: string[]) => Promise<void>): Promise<void> {
  const seen: string[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.url!)
    const url = new URL(req.url!, 'http://x')
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end('{"error":"unauthorized"}')
      return
    }
    if (url.pathname !== '/debug/profile') {
      res.writeHead(404).end()
      return
    }
    Promise.resolve().then(() => takeProfile(parseProfileQuery(url.searchParams))).then(
      (profile) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(profile)),
      (err: { statusCode?: number, message: string }) => res.writeHead(err.statusCode ?? 500).end(JSON.stringify({ error: err.message })))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

function collect(): { io: { out: (s: string) => void, err: (s: string) => void }, out: string[], err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err }
}

test('griddle profile fetches /debug/profile with the bearer token and writes the cpuprofile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-cmd-'))
  try {
    await withAdmin('s3cret', async (admin, seen) => {
      const file = join(dir, 'out.cpuprofile')
      const { io, out } = collect()
      const code = await dispatch(['profile', '--admin', admin, '--token', 's3cret', '--seconds', '0.2', '-o', file], io)
      assert.equal(code, 0)
      assert.deepEqual(seen, ['/debug/profile?seconds=0.2'])
      assert.deepEqual(out, [file])
      const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: unknown[], startTime: number }
      assert.ok(profile.nodes.length > 0)
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a wrong token fails with the status and writes no file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-cmd-'))
  try {
    await withAdmin('s3cret', async (admin) => {
      const file = join(dir, 'out.cpuprofile')
      const { io, err } = collect()
      assert.equal(await dispatch(['profile', '--admin', admin, '--token', 'nope', '--seconds', '0.2', '-o', file], io), 1)
      assert.match(err.join('\n'), /answered 401 \(wrong or missing --token\)/)
      assert.equal(existsSync(file), false)
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('profile URLs carry seconds and thread; a bad admin URL is a usage error', async () => {
  assert.equal(profileUrl('http://127.0.0.1:9901/', 10, undefined).href, 'http://127.0.0.1:9901/debug/profile?seconds=10')
  assert.equal(profileUrl('http://h:1', 2, 'all').search, '?seconds=2&thread=all')
  const { io, err } = collect()
  assert.equal(await dispatch(['profile', '--admin', 'not a url'], io), 2)
  assert.match(err[0]!, /--admin must be a URL/)
  assert.equal(await dispatch(['profile', '--admin', 'ftp://h/'], collect().io), 2)
  assert.equal(await dispatch(['profile', '--admin', 'http://h/', '--seconds', '0'], collect().io), 2)
})

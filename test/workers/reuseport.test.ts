import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getOnce as once } from '../helpers/http.js'
import { LISTEN_SHARED, closeListenSocket, createUwsApp, localPort, type ListenSocket, type UwsApp } from '../../lib/uws.js'
import { freePort } from '../../lib/server/ports.js'
import { acceptQueue, listeners, namespaceListeners, steer, unsteer, type Listener } from '../../lib/workers/reuseport.js'

/** A uWS app on this thread answering every request with its name; joined to the port's SO_REUSEPORT group at listen. */
interface Named { name: string, app: UwsApp, socket: ListenSocket, listener: Listener }

const linux = process.platform === 'linux' ? false : 'SO_REUSEPORT steering is Linux only'

async function listenNamed(name: string, port: number): Promise<Named> {
  const app = createUwsApp()
  app.any('/*', (res) => { res.end(name) })
  const socket = await new Promise<ListenSocket | false>((resolve) => app.listen('127.0.0.1', port, LISTEN_SHARED, resolve))
  assert.ok(socket !== false, `${name} listens`)
  return { name, app, socket, listener: { fd: -1, inode: -1 } }
}

/**
 * Three apps on one port, listening one after another: slots 0, 1, 2. Each
 * gets the one listener that is new after its listen. (uWS sets SO_REUSEPORT
 * only on a port given, never on port 0: so a free port is picked first.)
 */
async function group(): Promise<{ port: number, apps: Named[] }> {
  const apps: Named[] = []
  const port = await freePort('127.0.0.1')
  for (const name of ['a', 'b', 'c']) {
    const known = new Set(listeners(port).map((l) => l.inode))
    const n = await listenNamed(name, port)
    assert.equal(localPort(n.socket), port)
    const fresh = listeners(port).filter((l) => !known.has(l.inode))
    assert.equal(fresh.length, 1, `one new listener after ${name} listens`)
    n.listener = fresh[0]!
    apps.push(n)
  }
  return { port, apps }
}

function close(apps: Named[]): void {
  for (const a of apps) {
    closeListenSocket(a.socket)
    a.app.close()
  }
}


async function count(port: number, n: number): Promise<Record<string, number>> {
  const by: Record<string, number> = {}
  for (let i = 0; i < n; i++) {
    const who = await once(port)
    by[who] = (by[who] ?? 0) + 1
  }
  return by
}

test('the listing finds every listener of the port, each by its fd and inode, and the namespace lists them too', { skip: linux }, async () => {
  const { port, apps } = await group()
  try {
    const found = listeners(port)
    assert.deepEqual(new Set(found.map((l) => l.inode)), new Set(apps.map((a) => a.listener.inode)))
    assert.equal(new Set(found.map((l) => l.fd)).size, 3)
    assert.deepEqual(namespaceListeners(port), new Set(apps.map((a) => a.listener.inode)))
    for (const a of apps) assert.equal(acceptQueue(a.listener), 0)
  } finally {
    close(apps)
  }
  assert.deepEqual(listeners(port), [])
})

test('a program steering to one slot sends every new connection to that listener, and steering to another moves them', { skip: linux }, async () => {
  const { port, apps } = await group()
  try {
    steer(apps[0]!.listener, [2], 3)
    assert.deepEqual(await count(port, 50), { c: 50 })
    // Attached through another member: the program belongs to the group and replaces the first.
    steer(apps[2]!.listener, [0], 3)
    assert.deepEqual(await count(port, 50), { a: 50 })
    steer(apps[1]!.listener, [0, 2], 3)
    const both = await count(port, 50)
    assert.deepEqual(Object.keys(both).sort(), ['a', 'c'], 'only slots 0 and 2 answer')
    assert.equal(unsteer(apps[1]!.listener), true)
    assert.equal(unsteer(apps[1]!.listener), false, 'nothing left to remove')
  } finally {
    close(apps)
  }
})

test('closing a listener that is not last, steered as a handover does, answers every connection and moves the last listener into its slot', { skip: linux }, async () => {
  const { port, apps } = await group()
  const [a, b, c] = apps as [Named, Named, Named]
  const seen: string[] = []
  let running = true
  // Four clients opening a connection per request all along (bounded in time in any case).
  const until = Date.now() + 20_000
  const loops = Array.from({ length: 4 }, async () => {
    while (running && Date.now() < until) seen.push(await once(port))
  })
  try {
    await new Promise((r) => setTimeout(r, 50))
    // a (slot 0) is to close; c is in the last slot and will move into slot 0, so only b is steered to meanwhile.
    steer(b.listener, [1], 3)
    for (let i = 0; i < 200 && acceptQueue(a.listener) > 0; i++) await new Promise((r) => setTimeout(r, 5))
    await new Promise((r) => setTimeout(r, 20))
    closeListenSocket(a.socket)
    steer(b.listener, [0, 1], 2)
    await new Promise((r) => setTimeout(r, 50))
  } finally {
    running = false
    await Promise.all(loops)
  }
  try {
    const failed = seen.filter((s) => s !== 'a' && s !== 'b' && s !== 'c')
    assert.deepEqual(failed, [], 'every connection was answered')
    assert.ok(seen.length > 0)
    assert.deepEqual(new Set(listeners(port).map((l) => l.inode)), new Set([b.listener.inode, c.listener.inode]))
    steer(b.listener, [0], 2)
    assert.deepEqual(await count(port, 50), { c: 50 }, 'c moved into slot 0')
    steer(b.listener, [1], 2)
    assert.deepEqual(await count(port, 50), { b: 50 }, 'b kept slot 1')
  } finally {
    close([b, c])
    a.app.close()
  }
})

test('bad arguments and stale sockets give coded errors', { skip: linux }, async () => {
  const { port, apps } = await group()
  try {
    const l = apps[0]!.listener
    assert.throws(() => steer(l, [], 3), { name: 'GriddleTypeError', code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => steer(l, [3], 3), { code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => steer(l, [-1], 3), { code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => steer(l, [0.5], 3), { code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => listeners(0), { code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => acceptQueue({ fd: 1 << 20, inode: l.inode }), { code: 'GRIDDLE_ERR_REUSEPORT' })
    assert.throws(() => steer({ fd: l.fd, inode: l.inode + 1 }, [0], 3), { code: 'GRIDDLE_ERR_REUSEPORT', message: /no longer the socket/ })
    assert.throws(() => acceptQueue({ fd: 0, inode: l.inode }), { code: 'GRIDDLE_ERR_REUSEPORT' })
    // Native checks again, for a caller that skips the TypeScript twin.
    const raw = (await import('../../lib/binding.js')).native as unknown as { reuseportSteer(fd: number, inode: number, slots: Int32Array, size: number): void }
    assert.throws(() => raw.reuseportSteer(l.fd, l.inode, new Int32Array([5]), 3), { name: 'TypeError', code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => raw.reuseportSteer(l.fd, l.inode, new Int32Array([]), 3), { code: 'GRIDDLE_ERR_INVALID_ARG' })
    assert.throws(() => raw.reuseportSteer(-1, l.inode, new Int32Array([0]), 3), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  } finally {
    close(apps)
  }
})

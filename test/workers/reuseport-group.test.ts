import { test } from 'node:test'
import assert from 'node:assert/strict'
import { getOnce as once } from '../helpers/http.js'
import { LISTEN_SHARED, closeListenSocket, createUwsApp, type ListenSocket, type UwsApp } from '../../lib/uws.js'
import { freePort } from '../../lib/server/ports.js'
import { listeners, unsteer } from '../../lib/workers/reuseport.js'
import { ReuseportGroup } from '../../lib/workers/reuseport-group.js'
import { handoverListeners } from '../../lib/workers/steered-handover.js'

/** Stands for a worker: a uWS app on this thread answering with its name. */
interface Fake { name: string, app: UwsApp, socket: ListenSocket | null }

const linux = process.platform === 'linux' ? false : 'SO_REUSEPORT steering is Linux only'

function fake(name: string): Fake {
  const app = createUwsApp()
  app.any('/*', (res) => { res.end(name) })
  return { name, app, socket: null }
}

/** Listens as a worker told by the group does. */
function listenStep(f: Fake, port: number): () => Promise<void> {
  return () => new Promise<void>((resolve) => f.app.listen('127.0.0.1', port, LISTEN_SHARED, (s) => {
    f.socket = s === false ? null : s
    resolve()
  }))
}

function unlisten(f: Fake): Promise<void> {
  if (f.socket !== null) closeListenSocket(f.socket)
  f.socket = null
  return Promise.resolve()
}

async function setup(names: string[]): Promise<{ port: number, group: ReuseportGroup, fakes: Fake[], lines: string[] }> {
  const port = await freePort('127.0.0.1')
  const lines: string[] = []
  const group = new ReuseportGroup(port, (l) => lines.push(l))
  const fakes = names.map(fake)
  for (const f of fakes) await group.listen(f, listenStep(f, port))
  return { port, group, fakes, lines }
}

function teardown(fakes: Fake[]): void {
  for (const f of fakes) {
    void unlisten(f)
    f.app.close()
  }
}


async function names(port: number, n: number): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < n; i++) seen.add(await once(port))
  return seen
}

/** Clients opening a connection per request until stopped (20 s at most). */
function load(port: number, clients: number): { seen: string[], stop: () => Promise<string[]> } {
  const seen: string[] = []
  let running = true
  const until = Date.now() + 20_000
  const loops = Array.from({ length: clients }, async () => {
    while (running && Date.now() < until) seen.push(await once(port))
  })
  return { seen, stop: async () => { running = false; await Promise.all(loops); return seen } }
}

test('the copy follows listens and closes made one at a time, so steering by it reaches the intended listener', { skip: linux }, async () => {
  const { port, group, fakes } = await setup(['a', 'b', 'c'])
  const [a, b, c] = fakes as [Fake, Fake, Fake]
  try {
    assert.deepEqual(group.ownedBy(new Set(fakes)).map((m) => m.owner), [a, b, c])
    await group.exclusive(() => group.closeStep(a, () => unlisten(a)))
    // c was last: the kernel moved it into a's slot.
    assert.deepEqual(group.ownedBy(new Set(fakes)).map((m) => m.owner), [c, b])
    assert.equal(group.trusted, true)
    group.steerTo(new Set([c]))
    assert.deepEqual(await names(port, 30), new Set(['c']))
    group.steerTo(new Set([b]))
    assert.deepEqual(await names(port, 30), new Set(['b']))
    group.unsteer()
  } finally {
    teardown(fakes)
  }
})

test('a handover from two listeners to two steers new connections to the new ones and answers every one', { skip: linux }, async () => {
  const { port, group, fakes } = await setup(['a', 'b', 'c', 'd'])
  const [a, b, c, d] = fakes as [Fake, Fake, Fake, Fake]
  const traffic = load(port, 4)
  try {
    await new Promise((r) => setTimeout(r, 50))
    const o = await handoverListeners(group, new Set([a, b]), new Set([c, d]), (w) => unlisten(w as Fake))
    assert.equal(o.steered, true, o.why)
    assert.equal(o.queuesEmpty, true)
    const seen = await traffic.stop()
    assert.deepEqual(seen.filter((s) => !['a', 'b', 'c', 'd'].includes(s)), [], 'every connection was answered')
    assert.ok(seen.length > 0)
    assert.equal(a.socket, null)
    assert.equal(b.socket, null)
    assert.deepEqual(new Set(group.ownedBy(new Set(fakes)).map((m) => m.owner)), new Set([c, d]))
    assert.equal(unsteer(listeners(port)[0]!), false, 'the program is gone once only the new listeners remain')
    const after = await names(port, 40)
    assert.ok([...after].every((s) => s === 'c' || s === 'd'), [...after].join())
  } finally {
    await traffic.stop()
    teardown(fakes)
  }
})

test('with one new listener the handover closes the old ones one at a time, unsteered, and says why', { skip: linux }, async () => {
  const { port, group, fakes } = await setup(['a', 'b', 'c'])
  const [a, b, c] = fakes as [Fake, Fake, Fake]
  try {
    const o = await handoverListeners(group, new Set([a, b]), new Set([c]), (w) => unlisten(w as Fake))
    assert.equal(o.steered, false)
    assert.match(o.why!, /one worker/)
    assert.equal(group.trusted, true, 'closed one at a time, the copy stays exact')
    assert.deepEqual(group.ownedBy(new Set(fakes)).map((m) => m.owner), [c])
    assert.deepEqual(await names(port, 10), new Set(['c']))
  } finally {
    teardown(fakes)
  }
})

test('listeners opened or closed behind the copy\'s back put it in doubt, and the handover then falls back', { skip: linux }, async () => {
  const { port, group, fakes } = await setup(['a', 'b', 'c', 'd', 'e'])
  const [a, b, c, d, e] = fakes as [Fake, Fake, Fake, Fake, Fake]
  const stranger = fake('x')
  try {
    // One listener gone between steps (a crashed worker's close) is applied as the kernel did.
    await unlisten(b)
    group.absorb()
    assert.equal(group.trusted, true)
    assert.deepEqual(group.ownedBy(new Set(fakes)).map((m) => m.owner), [a, e, c, d])
    // Two gone at once: which moved where depends on their order, unknown here.
    await unlisten(a)
    await unlisten(d)
    group.absorb()
    assert.equal(group.trusted, false)
    // A listener opened outside the steps: still in doubt, and a handover says so.
    await listenStep(stranger, port)()
    const o = await handoverListeners(group, new Set([c, e]), new Set([stranger]), (w) => unlisten(w as Fake))
    assert.equal(o.steered, false)
    assert.match(o.why!, /closed at once outside the supervisor/)
    // One listener left: its slot can only be 0, so the copy is exact again.
    assert.equal(group.trusted, true)
    assert.deepEqual(await names(port, 10), new Set(['x']))
  } finally {
    teardown([...fakes, stranger])
  }
})

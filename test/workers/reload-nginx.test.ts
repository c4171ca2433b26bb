import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { startDaemon, settle, total, type Daemon, type Flush } from '../helpers/statsd-daemon.js'
import { TempDir, load, reload, start, until, type Started } from './reload-helpers.js'

/**
 * The rolling deploy of docs/deploy.md: two `griddle start` processes behind
 * nginx (the Debian package), both given the same flags and experiment,
 * reloaded one after the other, and both sending to one real StatsD daemon
 * under a host tag of their own.
 */

/**
 * GET / answers the build (the load loop reads it) and the pid, which names
 * the node (a reload starts new worker threads in the same process); GET
 * /assign what this node decided for the unit key.
 */
function nodeApp(build: string): string {
  return `export default (app) => {
  app.get('/', () => ({ build: ${JSON.stringify(build)}, pid: process.pid }))
  app.get('/assign', (req) => ({
    pid: process.pid,
    button: req.flags.variant('checkout-button').name,
    max: req.flags.value('max-results', 20),
    layout: req.experiment('home-layout'),
  }))
}
`
}

/**
 * The config both nodes start from: the unit key, two flags and an
 * experiment that split units; only the StatsD host tag differs.
 */
const config = (statsdPort: number, host: string): object => ({
  workers: 1,
  options: {
    statsd: { port: statsdPort, intervalMs: 50, tags: 'dogstatsd', globalTags: { host } },
    // Admission control off, as in the other reload tests: on a loaded machine it rightly sheds with 503s, which this test counts as failures.
    admission: false,
    unitKey: { header: 'x-user-id', missing: 'off' },
    flags: {
      source: {
        version: 'nginx-test-1',
        flags: {
          'max-results': { type: 'number', default: 20, value: 50, rollout: 25 },
          'checkout-button': { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 50 }, { name: 'blue', weight: 50 }] },
        },
        experiments: { 'home-layout': { arms: [{ name: 'grid', weight: 1 }, { name: 'list', weight: 1 }], coverage: 0.8 } },
      },
    },
  },
})

const HOSTS = ['node-a', 'node-b']

/** 200 answers each node gave, by pid, counted from the answers themselves. */
class Served {
  readonly byPid = new Map<number, number>()
  add(pid: number, n = 1): void {
    this.byPid.set(pid, (this.byPid.get(pid) ?? 0) + n)
  }
}

/**
 * Requests the daemon counted under this host tag, over every flush, route,
 * method and arm: `ok` the 200s, `other` any other status (a 503 that nginx
 * retried on the other node would be one; the client never saw it).
 */
function daemonCount(flushes: Flush[], host: string): { ok: number, other: number } {
  const n = { ok: 0, other: 0 }
  for (const f of flushes) {
    for (const [key, v] of Object.entries(f.counters)) {
      if (!key.startsWith('griddle.requests;') || !key.endsWith(`;host=${host}`)) continue
      if (key.includes(';status=200;')) n.ok += v
      else n.other += v
    }
  }
  return n
}

interface Assignment { pid: number, button: string, max: number, layout: string | null }

async function assignment(port: number, key: string, served: Served): Promise<Assignment> {
  const r = await fetch(`http://127.0.0.1:${port}/assign`, { headers: { 'x-user-id': key } })
  assert.equal(r.status, 200)
  const a = await r.json() as Assignment
  served.add(a.pid)
  return a
}

const decided = (a: Assignment): string => JSON.stringify([a.button, a.max, a.layout])

/**
 * Every key gets the same flag values and experiment arm from node A, from
 * node B, and through nginx (which spreads the keys over both: the pids
 * show it); and the keys really split (both arms, both variants).
 */
async function checkAssignments(nginxPort: number, nodes: Started[], keys: string[], served: Served): Promise<void> {
  const pids = new Set<number>()
  const seen = new Set<string>()
  for (const key of keys) {
    const [a, b] = await Promise.all(nodes.map((n) => assignment(n.port, key, served))) as [Assignment, Assignment]
    assert.equal(decided(a), decided(b), `node A and node B agree for unit ${key}`)
    for (let i = 0; i < 2; i++) {
      const via = await assignment(nginxPort, key, served)
      pids.add(via.pid)
      assert.equal(decided(via), decided(a), `nginx's answer for unit ${key} is the nodes' answer`)
    }
    seen.add(`button:${a.button}`).add(`max:${a.max}`).add(`layout:${a.layout}`)
  }
  assert.equal(pids.size, 2, 'nginx sent the keys to both nodes')
  for (const v of ['button:red', 'button:blue', 'max:20', 'max:50', 'layout:grid', 'layout:list', 'layout:null']) assert.ok(seen.has(v), `some unit got ${v}`)
}
function nginxMissing(): string | null {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  return r.error === undefined ? null : `nginx is not installed (Debian package nginx): ${r.error.message}`
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

function nginxConf(dir: string, port: number, upstreams: number[]): string {
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream griddle {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://griddle;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
`
}

interface Nginx { port: number, stop: () => void, exited: Promise<number | null> }

/** nginx in the foreground with its own prefix, once it answers GET / (the probes' answers count as served). */
async function startNginx(prefix: string, upstreams: number[], served: Served): Promise<Nginx> {
  const port = await freePort()
  writeFileSync(join(prefix, 'nginx.conf'), nginxConf(prefix, port, upstreams))
  const child = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let nginxErr = ''
  child.stderr.on('data', (c: Buffer) => { nginxErr += c.toString() })
  const nginx = { port, stop: () => void child.kill('SIGQUIT'), exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) }
  let up = false
  for (let i = 0; i < 100 && !up; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/`).catch(() => null)
    up = r?.status === 200
    if (up) served.add((await r!.json() as { pid: number }).pid)
    else await new Promise((resolve) => setTimeout(resolve, 50))
  }
  if (!up) nginx.stop()
  assert.ok(up, `nginx answers: ${nginxErr}`)
  return nginx
}

/** After both nodes exited (each flushed once more): the daemon's count under each host tag is what that node served. */
async function checkStatsd(d: Daemon, nodes: Started[], served: Served): Promise<void> {
  for (const [i, node] of nodes.entries()) {
    const host = HOSTS[i]!
    const want = served.byPid.get(node.child.pid!) ?? 0
    assert.ok(want > 100, `node ${host} served traffic (${want})`)
    const got = await settle(d, (f) => daemonCount(f, host).ok, want)
    assert.equal(got, want, `the daemon counted under host:${host} the ${want} answers node ${host} gave (other statuses: ${daemonCount(d.flushes(), host).other})`)
  }
  assert.equal([...served.byPid.keys()].length, 2, 'every answer came from one of the two nodes')
  assert.equal(total(d.flushes(), 'statsd.bad_lines_seen'), 0, 'the daemon parsed every line')
}

const why = nginxMissing()
if (why !== null) console.log(`# reload-nginx: skipped: ${why}`)

test('two griddle nodes behind nginx given the same flags assign every unit alike, one StatsD daemon counts each under its host tag, and a rolling reload fails no request', { skip: why ?? false, timeout: 180_000 }, async () => {
  const dir = new TempDir()
  const d = await startDaemon()
  const nodes: Started[] = []
  const served = new Served()
  const pids = [join(dir.path, 'a.pid'), join(dir.path, 'b.pid')]
  const app = dir.file('app.js', nodeApp('v1'))
  const keys = Array.from({ length: 200 }, (_, i) => `user-${i * 7919}`)
  const prefix = join(dir.path, 'nginx')
  mkdirSync(prefix)
  let traffic: ReturnType<typeof load> | null = null
  let nginx: Nginx | null = null
  try {
    for (const [i, pidFile] of pids.entries()) {
      const c = dir.file(`griddle-${HOSTS[i]}.json`, JSON.stringify(config(d.port, HOSTS[i]!)))
      nodes.push(await start([app, '--config', c, '--port', '0', '--pid-file', pidFile]))
    }
    nginx = await startNginx(prefix, nodes.map((n) => n.port), served)
    await checkAssignments(nginx.port, nodes, keys, served)

    const t = traffic = load(nginx.port, 8)
    assert.ok(await until(() => t.result.latest === 'v1'))
    dir.file('app.js', nodeApp('v2'))
    for (const pidFile of pids) {
      const r = await reload(['--pid-file', pidFile])
      assert.equal(r.code, 0, r.err)
      const before = t.result.ok
      assert.ok(await until(() => t.result.ok > before + 50), 'requests flow after each host reloads')
    }
    const v1 = t.result.builds.get('v1') ?? 0
    const before = t.result.ok
    assert.ok(await until(() => t.result.ok > before + 100))
    assert.equal(t.result.builds.get('v1') ?? 0, v1, 'after the roll only the new build answers')
    const result = await t.stop()
    traffic = null
    assert.deepEqual(result.failures, [], 'no request failed')
    assert.ok((result.builds.get('v2') ?? 0) > 0)
    for (const [pid, n] of result.pids) served.add(pid, n)
    await checkAssignments(nginx.port, nodes, keys, served)
    // nginx spreads round robin, so both counts could come out equal; extra answers from node A alone make a swapped tag show.
    for (let i = 0; i < 37; i++) {
      const r = await fetch(`http://127.0.0.1:${nodes[0]!.port}/`)
      assert.equal(r.status, 200)
      served.add((await r.json() as { pid: number }).pid)
    }

    for (const n of nodes) {
      n.child.kill('SIGTERM')
      assert.equal(await n.exited, 0, n.err())
    }
    await checkStatsd(d, nodes, served)
  } finally {
    if (traffic !== null) await traffic.stop()
    nginx?.stop()
    await nginx?.exited
    for (const n of nodes) {
      n.child.kill('SIGKILL')
      await n.exited
    }
    dir.remove()
    await d.stop()
  }
})

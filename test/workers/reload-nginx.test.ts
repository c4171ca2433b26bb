import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { TempDir, load, reload, start, until, type LoadResult, type Started } from './reload-helpers.js'

/**
 * The rolling deploy of docs/deploy.md: two `griddle start` processes behind
 * nginx (the Debian package), both given one griddle.config.json that holds
 * the flags and an experiment, reloaded one after the other.
 */

/** GET / answers the build (the load loop reads it); GET /assign what this node decided for the unit key. */
function nodeApp(build: string): string {
  return `export default (app) => {
  app.get('/', () => ({ build: ${JSON.stringify(build)} }))
  app.get('/assign', (req) => ({
    pid: process.pid,
    button: req.flags.variant('checkout-button').name,
    max: req.flags.value('max-results', 20),
    layout: req.experiment('home-layout'),
  }))
}
`
}

/** The one config both nodes start from: the unit key, two flags and an experiment that split units. */
const CONFIG = {
  workers: 1,
  options: {
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
}

interface Assignment { pid: number, button: string, max: number, layout: string | null }

async function assignment(port: number, key: string): Promise<Assignment> {
  const r = await fetch(`http://127.0.0.1:${port}/assign`, { headers: { 'x-user-id': key } })
  assert.equal(r.status, 200)
  return await r.json() as Assignment
}

const decided = (a: Assignment): string => JSON.stringify([a.button, a.max, a.layout])

/**
 * Every key gets the same flag values and experiment arm from node A, from
 * node B, and through nginx (which spreads the keys over both: the pids
 * show it); and the keys really split (both arms, both variants).
 */
async function checkAssignments(nginxPort: number, nodes: Started[], keys: string[]): Promise<void> {
  const pids = new Set<number>()
  const seen = new Set<string>()
  for (const key of keys) {
    const [a, b] = await Promise.all(nodes.map((n) => assignment(n.port, key))) as [Assignment, Assignment]
    assert.equal(decided(a), decided(b), `node A and node B agree for unit ${key}`)
    for (let i = 0; i < 2; i++) {
      const via = await assignment(nginxPort, key)
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

const why = nginxMissing()
if (why !== null) console.log(`# reload-nginx: skipped: ${why}`)

test('two griddle nodes behind nginx given one config assign every unit alike, and a rolling reload fails no request', { skip: why ?? false }, async () => {
  const dir = new TempDir()
  const nodes: Started[] = []
  const pids = [join(dir.path, 'a.pid'), join(dir.path, 'b.pid')]
  const app = dir.file('app.js', nodeApp('v1'))
  const config = dir.file('griddle.config.json', JSON.stringify(CONFIG))
  const keys = Array.from({ length: 200 }, (_, i) => `user-${i * 7919}`)
  const prefix = join(dir.path, 'nginx')
  mkdirSync(prefix)
  const traffic: { run: ReturnType<typeof load> | null } = { run: null }
  const nginx = { stop: (): void => {}, exited: Promise.resolve<number | null>(0) }
  try {
    // STATSD CHECK (telemetry2): start one StatsD daemon here and give both nodes its address and a host tag of their own.
    for (const pidFile of pids) nodes.push(await start([app, '--config', config, '--port', '0', '--pid-file', pidFile]))
    const port = await freePort()
    writeFileSync(join(prefix, 'nginx.conf'), nginxConf(prefix, port, nodes.map((n) => n.port)))
    const child = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let nginxErr = ''
    child.stderr.on('data', (c: Buffer) => { nginxErr += c.toString() })
    nginx.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    nginx.stop = () => void child.kill('SIGQUIT')
    let up = false
    for (let i = 0; i < 100 && !up; i++) {
      up = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok, () => false)
      if (!up) await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(up, `nginx answers: ${nginxErr}`)

    await checkAssignments(port, nodes, keys)

    const t = traffic.run = load(port, 8)
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
    await checkAssignments(port, nodes, keys)
    // STATSD CHECK (telemetry2): the daemon has counted requests under both host tags.
  } finally {
    const result: LoadResult | undefined = traffic.run === null ? undefined : await traffic.run.stop()
    nginx.stop()
    await nginx.exited
    for (const n of nodes) {
      n.child.kill('SIGTERM')
      await n.exited
    }
    dir.remove()
    if (result !== undefined) {
      assert.deepEqual(result.failures, [], 'no request failed')
      assert.ok((result.builds.get('v2') ?? 0) > 0)
    }
  }
})

test('one StatsD daemon sees the counters of both nodes under distinct host tags', { todo: 'StatsD under griddle start comes with telemetry2: then this check goes at the STATSD CHECK lines above' })

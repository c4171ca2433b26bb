import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { TempDir, appSource, load, reload, start, until, type LoadResult, type Started } from './reload-helpers.js'

/** The rolling deploy of docs/deploy.md: two `griddle start` processes behind nginx (the Debian package), reloaded one after the other. */
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

test('a rolling reload of two griddle processes behind nginx fails no request and ends on the new build', { skip: why ?? false }, async () => {
  const dir = new TempDir()
  const nodes: Started[] = []
  const pids = [join(dir.path, 'a.pid'), join(dir.path, 'b.pid')]
  const app = dir.file('app.js', appSource('v1'))
  const prefix = join(dir.path, 'nginx')
  mkdirSync(prefix)
  const traffic: { run: ReturnType<typeof load> | null } = { run: null }
  const nginx = { stop: (): void => {}, exited: Promise.resolve<number | null>(0) }
  try {
    for (const pidFile of pids) nodes.push(await start([app, '--workers', '1', '--port', '0', '--pid-file', pidFile]))
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

    const t = traffic.run = load(port, 8)
    assert.ok(await until(() => t.result.latest === 'v1'))
    dir.file('app.js', appSource('v2'))
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

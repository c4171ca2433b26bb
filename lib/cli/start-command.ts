/**
 * `griddle start ./app.js`: runs a routes module (the module serve() takes)
 * on worker threads under a supervisor, with SIGHUP, `griddle reload` and
 * the admin listener's POST /reload handing over to a new build, and
 * SIGTERM/SIGINT draining before exit 0.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { AdminListener, json, type AdminRoute } from '../admin/listener.js'
import { Supervisor, type ReloadResult } from '../workers/supervisor.js'
import { telemetryRoutes } from '../telemetry/admin-routes.js'
import { UsageError, type Command, type Io } from './command.js'
import { ensureMigrateReq, migrateMessage } from './migrate-req.js'
import { startSettings, type StartSettings } from './start-options.js'

const USAGE = `usage: griddle start ./app.js [--workers N|auto] [--port P] [--host H] [--admin-port A] [--pid-file F]
                     [--migrate-requests] [--config griddle.config.json]
  Runs the app module (its default export registers the routes) on worker threads, all on one port.
  --workers N|auto   worker threads (auto: one per core)
  --port P           the port (3000; 0 picks a free one)
  --host H           the interface (127.0.0.1)
  --admin-port A     the admin listener (needs GRIDDLE_ADMIN_TOKEN, 16+ characters): GET/POST /reload,
                     the dashboard at /, /stats.json, /metrics (options.statsd in the config sends to StatsD)
  --pid-file F       written at start, removed at exit; \`griddle reload --pid-file F\` uses it
  --config FILE      JSON: app, workers, port, host, adminPort, adminHost, adminToken, pidFile,
                     lingerMs (1000), stopTimeoutMs (30000), options (createApp options),
                     migrateRequests (false)
  --migrate-requests set net.ipv4.tcp_migrate_req to 1 if this process may (root): a reload then resets
                     no connection queued on a closing listener, even where it cannot steer new
                     connections away from them (one worker, a port shared: docs/deploy.md)
  SIGHUP reloads (a new generation takes over once ready; a failing build is abandoned).
  SIGTERM/SIGINT drain: stop accepting, finish in-flight requests, Connection: close, exit 0.`

/** The reload result file beside the pid file: how `griddle reload --pid-file` learns the outcome of its SIGHUP. */
export function resultFile(pidFile: string): string {
  return `${pidFile}.reload.json`
}

function adminRoutes(sup: Supervisor, reload: () => Promise<ReloadResult>): AdminRoute[] {
  return [
    { method: 'GET', path: '/reload', handler: () => json({ generation: sup.generation, workers: sup.workers, last: sup.last }) },
    {
      method: 'POST', path: '/reload', handler: async () => {
        const r = await reload()
        return json(r, r.ok ? 200 : 500)
      },
    },
  ]
}

async function run(s: StartSettings, io: Io): Promise<number> {
  if (s.adminPort !== null && s.adminToken === null) throw new UsageError('--admin-port needs a token: set GRIDDLE_ADMIN_TOKEN (16 characters or more)')
  const sup = await Supervisor.start({
    app: s.app, workers: s.workers, port: s.port, host: s.host, options: s.options, lingerMs: s.lingerMs, log: io.err,
  })
  let seq = 0
  const reload = async (): Promise<ReloadResult> => {
    const r = await sup.reload()
    if (s.pidFile !== null) writeFileSync(resultFile(s.pidFile), JSON.stringify({ seq: ++seq, ...r }) + '\n')
    return r
  }
  let admin: AdminListener | null = null
  try {
    if (s.adminPort !== null) {
      // telemetry: the dashboard, /stats.json and /metrics of whichever generation serves.
      admin = new AdminListener(s.adminToken!, [...adminRoutes(sup, reload), ...telemetryRoutes(sup.telemetry())])
      const port = await admin.listen(s.adminHost, s.adminPort)
      io.out(`griddle: admin on http://${s.adminHost}:${port}`)
    }
  } catch (err) {
    await sup.stop()
    throw err
  }
  if (s.pidFile !== null) writeFileSync(s.pidFile, `${process.pid}\n`)
  io.out(`griddle: listening on http://${sup.host}:${sup.port} (${sup.workers} workers, generation 1, pid ${process.pid})`)

  const migrate = migrateMessage(ensureMigrateReq(s.migrateRequests))
  if (migrate !== null) io.err(migrate)
  const onHup = (): void => void reload()
  process.on('SIGHUP', onHup)
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  process.off('SIGHUP', onHup)
  io.err(`griddle: ${signal}: draining generation ${sup.generation}`)
  let timer: NodeJS.Timeout | undefined
  const drained = await Promise.race([
    sup.stop().then(() => true),
    new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), s.stopTimeoutMs) }),
  ])
  clearTimeout(timer)
  admin?.close()
  if (s.pidFile !== null) {
    rmSync(s.pidFile, { force: true })
    rmSync(resultFile(s.pidFile), { force: true })
  }
  if (!drained) {
    io.err(`griddle: the drain took longer than stopTimeoutMs (${s.stopTimeoutMs} ms); exiting anyway`)
    // Workers still hold sockets; only exit() ends them now.
    process.exit(1)
  }
  io.err('griddle: drained; bye')
  return 0
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run an app module on worker threads; SIGHUP or `griddle reload` hands over to a new build',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { workers: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'admin-port': { type: 'string' },
        'pid-file': { type: 'string' }, config: { type: 'string' }, 'migrate-requests': { type: 'boolean' } },
    })
    if (positionals.length > 1) throw new UsageError(`one app module, got ${positionals.length}`)
    return run(startSettings({ ...v, app: positionals[0] }, process.cwd(), process.env), io)
  },
}

/**
 * `griddle start`'s settings: flags over griddle.config.json over defaults,
 * each checked with a coded error that names it.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import { boolOption, intOption, knownKeys, objectOption, optionError, stringOption } from '../util/check.js'

export interface StartSettings {
  app: string
  workers: number
  port: number
  host: string
  /** The admin listener's port, or null for none. */
  adminPort: number | null
  adminHost: string
  adminToken: string | null
  pidFile: string | null
  lingerMs: number
  /** SIGTERM: how long the drain may take before the process gives up with exit 1. */
  stopTimeoutMs: number
  /** createApp options for every worker. */
  options: Record<string, unknown>
  /** Set net.ipv4.tcp_migrate_req to 1 at start where this process may (lib/cli/migrate-req.ts); off by default: it is the whole network namespace's setting. */
  migrateRequests: boolean
}

const CONFIG_KEYS = ['app', 'workers', 'port', 'host', 'adminPort', 'adminHost', 'adminToken', 'pidFile', 'lingerMs', 'stopTimeoutMs', 'options', 'migrateRequests'] as const

export interface StartFlags {
  app?: string
  workers?: string
  port?: string
  host?: string
  'admin-port'?: string
  'pid-file'?: string
  config?: string
  'migrate-requests'?: boolean
}

function readConfig(file: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    optionError(`--config ${file}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    optionError(`--config ${file}: not JSON: ${(err as Error).message}`)
  }
  const o = objectOption(`--config ${file}`, parsed)
  knownKeys(o, CONFIG_KEYS, file)
  return o
}

/** A flag's text as an integer, so the checker's error names the flag. */
function flagInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (text.trim() === '' || !Number.isInteger(n)) optionError(`${name} must be an integer, got "${text}"`)
  return n
}

function workersOf(flag: string | undefined, config: unknown): number {
  const v: unknown = flag ?? config
  if (v === 'auto' || v === undefined) return availableParallelism()
  return intOption(flag !== undefined ? '--workers' : 'workers', typeof v === 'string' ? flagInt('--workers', v) : v, 1, 1, 256)
}

export function startSettings(flags: StartFlags, cwd: string, env: NodeJS.ProcessEnv): StartSettings {
  const c = flags.config === undefined ? {} : readConfig(resolve(cwd, flags.config))
  const app = flags.app ?? stringOption('app', c.app, undefined)
  if (app === undefined) optionError('the app module is required: griddle start ./app.js')
  const adminPort = flagInt('--admin-port', flags['admin-port']) ?? c.adminPort
  const pidFile = flags['pid-file'] ?? stringOption('pidFile', c.pidFile, undefined)
  return {
    app: isAbsolute(app) ? app : resolve(cwd, app),
    workers: workersOf(flags.workers, c.workers),
    port: intOption(flags.port !== undefined ? '--port' : 'port', flagInt('--port', flags.port) ?? c.port, 3000, 0, 65535),
    host: flags.host ?? stringOption('host', c.host, '127.0.0.1'),
    adminPort: adminPort === undefined ? null : intOption('--admin-port', adminPort, 0, 0, 65535),
    adminHost: stringOption('adminHost', c.adminHost, '127.0.0.1'),
    // The environment first: a token in a flag would show in ps.
    adminToken: (env.GRIDDLE_ADMIN_TOKEN ?? '') !== '' ? env.GRIDDLE_ADMIN_TOKEN! : stringOption('adminToken', c.adminToken, undefined) ?? null,
    pidFile: pidFile === undefined ? null : resolve(cwd, pidFile),
    lingerMs: intOption('lingerMs', c.lingerMs, 1000, 0, 60_000),
    stopTimeoutMs: intOption('stopTimeoutMs', c.stopTimeoutMs, 30_000, 100, 600_000),
    options: appOptions(c.options),
    migrateRequests: flags['migrate-requests'] ?? boolOption('migrateRequests', c.migrateRequests, false),
  }
}

function appOptions(v: unknown): Record<string, unknown> {
  const o = objectOption('options', v)
  // Every generation would open its own on one port, and a reload would find it busy.
  if (o.admin !== undefined) optionError('options.admin: griddle start runs the admin listener itself; use adminPort, adminHost and GRIDDLE_ADMIN_TOKEN')
  return o
}

/**
 * The only module that imports uWebSockets.js, so the front can be swapped.
 * It re-exports the few calls griddle makes, typed narrowly. Which package
 * and why: docs/transport.md.
 */
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { GriddleError } from './errors.js'

export interface UwsResponse {
  writeStatus(status: string): UwsResponse
  writeHeader(key: string, value: string | Uint8Array): UwsResponse
  end(body?: string | Uint8Array | ArrayBuffer, closeConnection?: boolean): UwsResponse
  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): UwsResponse
  close(): UwsResponse
  cork(cb: () => void): UwsResponse
  onAborted(handler: () => void): UwsResponse
  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): UwsResponse
  pause(): void
  resume(): void
}

export interface UwsRequest {
  /** The key as a string, or as its bytes (read in place, cheaper). */
  getHeader(lowerCaseKey: string | Uint8Array): string
  getUrl(): string
  getMethod(): string
  /** The method as sent (getMethod() lower-cases it). */
  getCaseSensitiveMethod(): string
  getQuery(): string | undefined
  forEach(cb: (key: string, value: string) => void): void
}

export type UwsHandler = (res: UwsResponse, req: UwsRequest) => void

export type ListenSocket = object

export interface UwsApp {
  get(pattern: string, handler: UwsHandler): UwsApp
  post(pattern: string, handler: UwsHandler): UwsApp
  put(pattern: string, handler: UwsHandler): UwsApp
  patch(pattern: string, handler: UwsHandler): UwsApp
  del(pattern: string, handler: UwsHandler): UwsApp
  head(pattern: string, handler: UwsHandler): UwsApp
  options(pattern: string, handler: UwsHandler): UwsApp
  connect(pattern: string, handler: UwsHandler): UwsApp
  trace(pattern: string, handler: UwsHandler): UwsApp
  any(pattern: string, handler: UwsHandler): UwsApp
  /** Called with +1 when a connection opens and -1 when it closes (once per connection, never per request). */
  filter(cb: (res: UwsResponse, count: number) => void): UwsApp
  listen(host: string, port: number, options: number, cb: (socket: ListenSocket | false) => void): UwsApp
  close(): void
}

interface UwsModule {
  App(): UwsApp
  us_listen_socket_close(socket: ListenSocket): void
  us_socket_local_port(socket: ListenSocket): number
  LIBUS_LISTEN_EXCLUSIVE_PORT: number
  /** Undocumented settings; 'silent' stops the `uWebSockets: 20` header on this thread's loop. */
  _cfg(key: string): void
}

/** The official package, used when the application installed it (from GitHub). */
export const OFFICIAL_PACKAGE = 'uWebSockets.js'
/** The npm republish of the official binaries, pinned to an exact version in package.json. */
export const PINNED_PACKAGE = 'uwebsockets'

/**
 * Where uWS may come from, in order. GRIDDLE_UWS names a module or a .node
 * file explicitly (for a build of one's own); otherwise the official package,
 * then the pinned one.
 */
export function uwsCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.GRIDDLE_UWS) return [resolve(env.GRIDDLE_UWS)]
  return [OFFICIAL_PACKAGE, PINNED_PACKAGE]
}

/**
 * Loads the first candidate that works. On failure, one error names every
 * candidate with its own reason (a missing package, a binary for another
 * Node ABI, a newer glibc), chained through `cause`.
 */
export function loadUws(candidates: string[] = uwsCandidates()): { uws: UwsModule, from: string } {
  const require = createRequire(import.meta.url)
  const reasons: string[] = []
  let cause: unknown
  for (const id of candidates) {
    try {
      return { uws: require(id) as UwsModule, from: id }
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      const notInstalled = e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${id}'`)
      reasons.push(`${id}: ${notInstalled ? 'not installed' : String(e?.message ?? error).split('\n').filter((l) => l.trim() !== '').pop()}`)
      cause = error
    }
  }
  throw new GriddleError(
    'GRIDDLE_ERR_TRANSPORT_LOAD',
    `this is Node ${process.version} (ABI ${process.versions.modules}) on ${process.platform}-${process.arch}. ` +
      `Tried ${reasons.join('; ')}. See docs/transport.md for the Node versions and the glibc each binary needs.`,
    { cause },
  )
}

/**
 * uWS reads the largest request head it buffers across reads from this
 * variable once, when its binary loads; its own default is 4 KB, so a 5 KB
 * cookie header split over two TCP reads got 431. griddle's default is 16 KB,
 * Node's own default; set the variable before griddle is imported to change it.
 * (The uWS build for Node 20 ignores it: its limit is 4 KB, see docs/transport.md.)
 */
export const HEAD_LIMIT_ENV = 'UWS_HTTP_MAX_HEADERS_SIZE'
export const DEFAULT_HEAD_LIMIT = 16 * 1024
if (process.env[HEAD_LIMIT_ENV] === undefined) process.env[HEAD_LIMIT_ENV] = String(DEFAULT_HEAD_LIMIT)

const loaded = loadUws()
const uws = loaded.uws
/** The package (or file) uWS was loaded from. */
export const UWS_SOURCE = loaded.from

/**
 * The uWS builds for Node 24 and later (ABI 137+) write a string that V8
 * keeps one byte per character as those bytes, latin1, not UTF-8: measured,
 * `end('héllo')` sends 68 e9 6c 6c 6f with Content-Length 5. Bodies are
 * handed to them as UTF-8 bytes instead (lib/server/reply.ts).
 */
export const STRINGS_AS_BYTES = Number(process.versions.modules) >= 137

/**
 * Whether griddle reads Host per request (on-request.ts badFraming).
 * Measured on each pinned build (2026-12-02, bench/results/http-request-path.md):
 * a request without Host never reaches JavaScript (Node 20's build holds it,
 * 22's and 24's answer 400 and close), and an empty `Host:` reaches it on
 * every build. The builds for Node 22 and later (ABI 127+) refuse the
 * missing Host themselves, so there the read (~770 instructions) is skipped
 * and an empty Host, valid by RFC 9110 §7.2's grammar, is served; on the
 * Node 20 build, which leaves the missing one unanswered, the read stays.
 */
export const READ_HOST = Number(process.versions.modules) < 127

/**
 * A new uWS app. The first call on a thread also silences uWS's own
 * `uWebSockets: 20` response header on that thread's loop: it advertises the
 * server's software to every client and griddle has no use for it.
 */
export function createUwsApp(): UwsApp {
  if (typeof uws._cfg === 'function') uws._cfg('silent')
  return uws.App()
}

export function closeListenSocket(socket: ListenSocket): void {
  uws.us_listen_socket_close(socket)
}

export function localPort(socket: ListenSocket): number {
  return uws.us_socket_local_port(socket)
}

/** Listen without SO_REUSEPORT, so a second bind of the port fails instead of sharing it. */
export const LISTEN_EXCLUSIVE: number = uws.LIBUS_LISTEN_EXCLUSIVE_PORT
export const LISTEN_SHARED = 0

/**
 * The methods uWS parses (it closes the connection on any other), with the
 * name of the App method that registers a handler for each.
 */
export const UWS_METHODS: ReadonlyArray<readonly [method: string, register: 'get' | 'post' | 'put' | 'patch' | 'del' | 'head' | 'options' | 'connect' | 'trace']> = [
  ['GET', 'get'], ['POST', 'post'], ['PUT', 'put'], ['PATCH', 'patch'], ['DELETE', 'del'],
  ['HEAD', 'head'], ['OPTIONS', 'options'], ['CONNECT', 'connect'], ['TRACE', 'trace'],
]

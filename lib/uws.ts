/**
 * The only module that imports uWebSockets.js, so the front can be swapped.
 * It re-exports the few calls griddle makes, typed narrowly.
 */
import { createRequire } from 'node:module'

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
  getHeader(lowerCaseKey: string): string
  getUrl(): string
  getMethod(): string
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
  listen(host: string, port: number, options: number, cb: (socket: ListenSocket | false) => void): UwsApp
  close(): void
}

interface UwsModule {
  App(): UwsApp
  us_listen_socket_close(socket: ListenSocket): void
  us_socket_local_port(socket: ListenSocket): number
  LIBUS_LISTEN_EXCLUSIVE_PORT: number
}

const uws = createRequire(import.meta.url)('@trufflesuite/uws-js-unofficial') as UwsModule

export function createUwsApp(): UwsApp {
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

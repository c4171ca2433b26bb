/**
 * Loads uWebSockets.js for the peer servers, through griddle's own loader, so
 * raw uWS and griddle always run on the same uWS build. The loader fails
 * loudly when no binary fits this Node: a benchmark never measures a fallback.
 */
import { loadUws as loadTransport } from '../../lib/uws.js'

export interface UwsResponse {
  writeStatus(status: string): UwsResponse
  writeHeader(key: string, value: string): UwsResponse
  end(body?: string | Uint8Array): UwsResponse
  onAborted(handler: () => void): UwsResponse
  cork(cb: () => void): UwsResponse
}
export interface UwsRequest {
  getParameter(index: number): string
  getUrl(): string
}
export interface UwsApp {
  get(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp
  any(pattern: string, handler: (res: UwsResponse, req: UwsRequest) => void): UwsApp
  listen(host: string, port: number, cb: (token: unknown) => void): UwsApp
}
export interface Uws {
  App(): UwsApp
}

/**
 * The same package griddle serves with, found by the same loader
 * (lib/uws.ts): a peer on another uWS build would measure the build.
 */
export function loadUws(): Uws {
  const { uws } = loadTransport()
  // The same bytes on the wire as griddle, which drops uWS's own header.
  uws._cfg('silent')
  return uws as unknown as Uws
}

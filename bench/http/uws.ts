/**
 * Loads uWebSockets.js for the peer servers. The package silently falls back to
 * a slow pure-JS implementation when its binary does not match the Node ABI;
 * a benchmark must never measure that, so this requires the binary directly
 * and fails loudly instead. (griddle's own loader will live in lib/.)
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

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

const PACKAGE = '@trufflesuite/uws-js-unofficial'

export function loadUws(): Uws {
  const require = createRequire(import.meta.url)
  const root = dirname(require.resolve(`${PACKAGE}/package.json`))
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`
  try {
    return require(join(root, 'binaries', file)) as Uws
  } catch (err) {
    throw new Error(`${PACKAGE} has no native binary ${file} for this Node (${process.version}): ${(err as Error).message}`)
  }
}

/** HTTP helpers for the server tests: node:http as the client, raw sockets for the rest. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { createApp, type App, type AppOptions } from 'griddle'

export interface Response {
  status: number
  headers: IncomingHttpHeaders
  text: string
  bytes: Buffer
  json(): unknown
}

export interface RequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

/** One request on a fresh connection. */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const bytes = Buffer.concat(chunks)
        const text = bytes.toString('utf8')
        resolve({ status: res.statusCode!, headers: res.headers, text, bytes, json: () => JSON.parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (options.body !== undefined) req.write(options.body)
    req.end()
  })
}

export interface RawResult {
  /** Everything received, as latin1. */
  text: string
  /** How the exchange ended: the server closed, reset, or we gave up waiting. */
  end: 'closed' | 'reset' | 'timeout'
}

/** Writes raw bytes and collects the answer until the server closes or `waitMs` passes. */
export function raw(port: number, data: string | Buffer, waitMs = 1000): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let end: RawResult['end'] = 'closed'
    const timer = setTimeout(() => { end = 'timeout'; socket.destroy() }, waitMs)
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', () => { end = 'reset' })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ text: Buffer.concat(chunks).toString('latin1'), end })
    })
    socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data)
  })
}

/** Creates an app, lets `setup` add routes, listens on port 0, runs `fn`, always closes. */
export async function withApp(setup: (app: App) => void, fn: (port: number, app: App) => Promise<void>,
  options: AppOptions = {}): Promise<void> {
  const app = createApp({ closeGraceMs: 200, ...options })
  setup(app)
  const { port } = await app.listen(0)
  try {
    await fn(port, app)
  } finally {
    await app.close()
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** One GET / on a fresh connection (no agent): the body of a 200, `status N` otherwise, or the error code. */
export function getOnce(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    req.end()
  })
}

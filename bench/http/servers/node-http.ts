// node:http with no framework: prefix match, JSON.stringify per request.
import { createServer } from 'node:http'
import { benchPort, JSON_TYPE, NOT_FOUND, readModel, ready, idOf } from '../server-kit.js'

const model = readModel()
const port = benchPort()
const PREFIX = '/users/'
createServer((req, res) => {
  const url = req.url ?? ''
  const user = url.startsWith(PREFIX) ? model.user(idOf(url.slice(PREFIX.length))) : undefined
  const body = user === undefined ? NOT_FOUND : JSON.stringify(user)
  res.writeHead(user === undefined ? 404 : 200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}).listen(port, '127.0.0.1', () => ready(port))

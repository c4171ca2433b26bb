// Raw uWebSockets.js answering bytes prepared at start-up: no object, no
// serialization, no string encoding per request. The machine's ceiling for a
// cached read through uWS.
import { benchPort, JSON_TYPE, NOT_FOUND, readModel, ready, idOf } from '../server-kit.js'
import { loadUws } from '../uws.js'

const model = readModel()
const bodies: Buffer[] = [Buffer.alloc(0)]
for (let id = 1; id <= model.size; id++) bodies.push(Buffer.from(JSON.stringify(model.user(id))))
const port = benchPort()
loadUws()
  .App()
  .get('/users/:id', (res, req) => {
    const id = idOf(req.getParameter(0))
    const body = model.has(id) ? bodies[id] : undefined
    if (body === undefined) res.writeStatus('404 Not Found').writeHeader('content-type', JSON_TYPE).end(NOT_FOUND)
    else res.writeHeader('content-type', JSON_TYPE).end(body)
  })
  .listen('127.0.0.1', port, (token) => {
    if (!token) throw new Error(`uWS could not listen on ${port}`)
    ready(port)
  })

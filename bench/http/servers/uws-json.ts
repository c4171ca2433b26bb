// Raw uWebSockets.js, the object built and JSON.stringify'd per request.
import { benchPort, JSON_TYPE, NOT_FOUND, readModel, ready, idOf } from '../server-kit.js'
import { loadUws } from '../uws.js'

const model = readModel()
const port = benchPort()
loadUws()
  .App()
  .get('/users/:id', (res, req) => {
    const user = model.user(idOf(req.getParameter(0)))
    if (user === undefined) res.writeStatus('404 Not Found').writeHeader('content-type', JSON_TYPE).end(NOT_FOUND)
    else res.writeHeader('content-type', JSON_TYPE).end(JSON.stringify(user))
  })
  .listen('127.0.0.1', port, (token) => {
    if (!token) throw new Error(`uWS could not listen on ${port}`)
    ready(port)
  })

// fastify 5, response serialized from userSchema (fast-json-stringify).
import Fastify from 'fastify'
import { userSchema } from '../../../demo/read-model.js'
import { benchPort, NOT_FOUND, JSON_TYPE, readModel, ready, idOf, work } from '../server-kit.js'

const model = readModel()
const port = benchPort()
const app = Fastify({ logger: false })
app.get<{ Params: { id: string } }>('/users/:id', { schema: { response: { 200: userSchema } } }, async (req, reply) => {
  work()
  const user = model.user(idOf(req.params.id))
  if (user === undefined) return reply.code(404).header('content-type', JSON_TYPE).send(NOT_FOUND)
  return user
})
await app.listen({ port, host: '127.0.0.1' })
ready(port)

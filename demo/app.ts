/**
 * The demo routes over the in-memory read model. Exported as a function so
 * that any app (one per worker thread, later) can register them.
 */
import type { App } from '../lib/index.js'
import { ReadModel, friendsSchema, userSchema } from './read-model.js'

const errorSchema = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
  required: ['statusCode', 'error', 'message'],
} as const

const idParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
} as const

function notFound(id: number): Error & { statusCode: number } {
  return Object.assign(new Error(`no user ${id}`), { statusCode: 404 })
}

/** Registers GET /health, GET /users/:id and GET /users/:id/friends?limit= on `app`. */
export function registerDemo(app: App, model: ReadModel = new ReadModel()): App {
  app.get('/health', () => ({ status: 'ok', users: model.size }))

  app.get('/users/:id', {
    schema: { params: idParams, response: { 200: userSchema, 404: errorSchema } },
  }, (req) => {
    const id = req.params.id as number
    const user = model.user(id)
    if (user === undefined) throw notFound(id)
    return user
  })

  app.get('/users/:id/friends', {
    schema: {
      params: idParams,
      query: {
        type: 'object',
        properties: { limit: { type: 'integer', minimum: 0, maximum: ReadModel.FRIENDS_PER_USER, default: ReadModel.FRIENDS_PER_USER } },
      },
      response: { 200: friendsSchema },
    },
  }, (req) => {
    const id = req.params.id as number
    const friends = model.friends(id, req.query.limit as number)
    if (friends === undefined) throw notFound(id)
    return friends
  })
  return app
}

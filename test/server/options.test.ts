import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createApp, serve } from 'griddle'

const unknown = (name: string, guess: string | null) => (err: Error & { code?: string }) => {
  assert.equal(err.code, 'GRIDDLE_ERR_UNKNOWN_OPTION')
  assert.ok(err.message.includes(`"${name}" is not an option`), err.message)
  if (guess !== null) assert.ok(err.message.includes(`did you mean "${guess}"?`), err.message)
  else assert.ok(!err.message.includes('did you mean'), err.message)
  return true
}

test('createApp refuses an unknown option, naming it and the nearest known one', () => {
  assert.throws(() => createApp({ bodyLimt: 10 } as object), unknown('bodyLimt', 'bodyLimit'))
  assert.throws(() => createApp({ requestTimeout: 10 } as object), unknown('requestTimeout', 'requestTimeoutMs'))
  assert.throws(() => createApp({ cache: { maxByte: 1 << 20 } } as object), unknown('cache.maxByte', 'cache.maxBytes'))
  assert.throws(() => createApp({ router: { casesensitive: false } } as object), unknown('router.casesensitive', 'router.caseSensitive'))
  assert.throws(() => createApp({ unitKey: { headr: 'x-user' } } as object), unknown('unitKey.headr', 'unitKey.header'))
  assert.throws(() => createApp({ somethingElse: true } as object), unknown('somethingElse', null))
  assert.doesNotThrow(() => createApp({ bodyLimit: 10, cache: { maxBytes: 1 << 20 }, router: { caseSensitive: false } }))
})

test('routes refuse unknown options, schema parts and cache options', () => {
  const app = createApp()
  assert.throws(() => app.get('/a', { shcema: {} } as object, () => 1), unknown('shcema', 'schema'))
  assert.throws(() => app.get('/b', { schema: { respone: {} } } as object, () => 1), unknown('schema.respone', 'schema.response'))
  assert.throws(() => app.get('/c', { cache: { ttl: 5 } } as object, () => 1), unknown('cache.ttl', 'cache.ttlMs'))
  assert.throws(() => app.route({ method: 'GET', path: '/d', handler: () => 1, sheding: false } as object as never), unknown('sheding', 'shedding'))
  assert.throws(() => app.get('/e', { cache: { ttlMs: 'soon' } } as object, () => 1), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.doesNotThrow(() => app.get('/f', { schema: { querystring: {} }, cache: { ttlMs: 5, cacheControl: 'max-age=5' }, shedding: false }, () => 1))
})

test('serve refuses unknown options of its own and of the apps it starts, before any worker runs', async () => {
  const app = new URL('../fixtures/worker-app.js', import.meta.url)
  await assert.rejects(serve({ app, workers: 1, port: 0, restartDelay: 5 } as object as never), unknown('restartDelay', 'restartDelayMs'))
  await assert.rejects(serve({ app, workers: 1, port: 0, options: { bodyLimt: 5 } as object }), unknown('bodyLimt', 'bodyLimit'))
})

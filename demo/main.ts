/**
 * `npm start`: the demo app on HOST:PORT (default 127.0.0.1:3000), no setup.
 */
import { createApp } from '../lib/index.js'
import { registerDemo } from './app.js'

const host = process.env.HOST ?? '127.0.0.1'
const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT)

const app = registerDemo(createApp({ host }))
const address = await app.listen(port)
console.log(`griddle demo listening on http://${address.host}:${address.port}`)
console.log(`  try: curl http://${address.host}:${address.port}/users/42`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: closing`)
    void app.close().then(() => process.exit(0))
  })
}

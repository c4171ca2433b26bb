// griddle as the benchmarks start it: the demo's GET /users/:id with its
// response schema, and the options a variant asks for (response cache,
// shedding off, a cache pre-filled with unrelated entries to hold memory).
import { Cache, createApp, type App, type AppOptions, type RouteCacheOptions } from 'griddle'
import { userSchema } from '../../../demo/read-model.js'
import { benchPort, idOf, readModel, ready, work } from '../server-kit.js'

export interface Variant {
  app?: AppOptions
  cache?: RouteCacheOptions
  /** Fill the response cache with this many MB of 2 KB entries no request asks for. */
  fillMb?: number
  /** Called with the app before it listens (telemetry off removes its end listener). */
  configure?: (app: App) => void | Promise<void>
  /** Called with what listen() resolved (telemetry on hands the admin port to its scraper). */
  listening?: (address: Awaited<ReturnType<App['listen']>>) => void
}

const NAME = 'bench-responses'

function fill(mb: number, maxBytes: number): void {
  // The same named store the app uses: entries that hold memory in it.
  const store = new Cache({ name: NAME, maxBytes })
  const value = new Uint8Array(2048).fill(120)
  const count = Math.floor((mb * 1024 * 1024) / 2048)
  for (let i = 0; i < count; i++) store.set(`filler:${i}`, value)
}

export async function start(v: Variant): Promise<void> {
  const model = readModel()
  const options: AppOptions = { ...v.app }
  // Under callgrind every request is ~50x slower and admission sheds (503):
  // bench/http/callgrind.sh runs with BENCH_ADMISSION=off.
  if (process.env.BENCH_ADMISSION === 'off') options.admission = false
  if (v.fillMb !== undefined) {
    const maxBytes = Math.ceil(v.fillMb * 1.25 + 64) * 1024 * 1024
    options.cache = { maxBytes, name: NAME }
    fill(v.fillMb, maxBytes)
  }
  const app = createApp(options)
  app.get('/users/:id', { schema: { response: { 200: userSchema } }, ...(v.cache ? { cache: v.cache } : {}) },
    (req) => {
      work()
      return model.user(idOf(req.params.id as string))
    })
  await v.configure?.(app)
  const port = benchPort()
  const address = await app.listen(port)
  v.listening?.(address)
  ready(port)
}

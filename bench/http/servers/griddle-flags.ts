// griddle with 20 flags and 2 experiments evaluated on every request of
// GET /users/:id, against the same app without them (scenario "flags").
// wrk sends no user header, so the unit key is the Host header: dispatch
// still reads and hashes it on every request and every flag and experiment
// is bucketed on it; only the answers are the same for every request.
import { createApp } from 'griddle'
import { userSchema } from '../../../demo/read-model.js'
import { benchPort, idOf, readModel, ready, work } from '../server-kit.js'

const flags: Record<string, unknown> = {}
for (let i = 0; i < 10; i++) flags[`roll-${i}`] = { rollout: 10 * i }
for (let i = 0; i < 5; i++) flags[`split-${i}`] = { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 1 }, { name: 'blue', weight: 1 }] }
for (let i = 0; i < 5; i++) flags[`rule-${i}`] = { rollout: 50, rules: [{ when: [{ attribute: 'country', op: 'in', values: ['SE', 'NO'] }] }] }
const NAMES = Object.keys(flags)
const source = {
  flags,
  experiments: {
    'home-layout': { arms: [{ name: 'grid', weight: 1 }, { name: 'list', weight: 1 }] },
    'checkout': { arms: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }, { name: 'c', weight: 2 }], sticky: true },
  },
}

const model = readModel()
const app = createApp({ ...(process.env.BENCH_ADMISSION === 'off' ? { admission: false } : {}), unitKey: { header: 'host' }, flags: { source, attributes: { country: { header: 'x-country' } } } })
let sink = 0
app.get('/users/:id', { schema: { response: { 200: userSchema } } }, (req) => {
  work()
  for (const n of NAMES) if (req.flags.isEnabled(n)) sink++
  if (req.experiment('home-layout') === 'grid') sink++
  if (req.experiment('checkout') === 'a') sink++
  return model.user(idOf(req.params.id as string))
})
const port = benchPort()
await app.listen(port)
ready(port)
process.on('exit', () => { if (sink < 0) console.log(sink) })

// griddle with ghost runs on every 10th request of GET /users/:id: the
// candidate (the same read with one field changed) runs after the client's
// answer, compared with the noise filter on. Wired by hand, as the release
// code will wire it (lib/traffic/ghost.ts), with telemetry's own end
// listener kept in front: the difference from `griddle` is the ghost runs alone.
import { createApp, type App } from 'griddle'
import { userSchema } from '../../../demo/read-model.js'
import { benchPort, idOf, readModel, ready, work } from '../server-kit.js'
import type { Core, Handler } from '../../../lib/server/core.js'
import type { Ended, EndListener } from '../../../lib/server/end.js'
import { kOnEnd } from '../../../lib/symbols.js'
import { ghostEnd, GhostRunner } from '../../../lib/traffic/ghost.js'

interface Internal { core: Core, [kOnEnd](l: EndListener | null): void }

const SAMPLE_EVERY = 10
const model = readModel()
const app: App = createApp()
const stable: Handler = (req) => {
  work()
  return model.user(idOf(req.params.id as string))
}
const candidate: Handler = (req) => {
  const u = model.user(idOf(req.params.id as string))!
  return { ...u, followers: u.followers + 1 }
}
app.get('/users/:id', { schema: { response: { 200: userSchema } } }, stable)
const internal = app as unknown as Internal
const core = internal.core
const stats = core.onEnd
const runner = new GhostRunner(core, 0, { candidate, stable }, { sample: 1 / SAMPLE_EVERY })
let n = 0
internal[kOnEnd]({
  onEnd(e: Ended) {
    if (ghostEnd(e)) return
    stats?.onEnd(e)
    if (++n === SAMPLE_EVERY) {
      n = 0
      runner.capture(e)
    }
  },
})
process.on('SIGTERM', () => {
  process.stderr.write(`ghost ${JSON.stringify({ ...runner.comparison.status(), examples: undefined })}\n`)
  process.exit(0)
})
const port = benchPort()
await app.listen(port)
ready(port)

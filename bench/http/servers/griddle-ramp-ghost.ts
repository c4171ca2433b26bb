// griddle with a release of GET /users/:id ramping at 50 % (held there: the
// guards never get enough samples) and ghost runs on 10 % of the stable
// requests, noise filter off as in bench/releases.bench.ts. The candidate
// does the same work as the stable handler. Peer: griddle-unitkey. Each
// request needs its own unit key (x-user) for the split to be real.
import { idOf, readModel, work } from '../server-kit.js'
import { start } from './griddle-kit.js'

const model = readModel()
await start({
  app: { unitKey: { header: 'x-user' } },
  configure: async (app) => {
    const r = app.release('GET /users/:id', {
      version: 'v2',
      handler: (req) => {
        work()
        return model.user(idOf(req.params.id as string))
      },
    })
    r.ghost({ sample: 0.1, compare: { noise: false } })
    r.ramp({ steps: [50, 100], minSamples: 1e9, minStepMs: 3_600_000 })
    await r.ready
    // What the run did, for checking the split and the ghost runs are real.
    process.once('SIGTERM', () => {
      const s = r.status()
      process.stderr.write(`release ${JSON.stringify({ percent: s.percent, ghost: { runs: s.ghost.runs, mismatches: s.ghost.mismatches }, stable: s.stable, candidate: s.candidate })}\n`)
      process.exit(0)
    })
  },
})

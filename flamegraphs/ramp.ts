// Scenario `ramp`: GET /users/:id while a release ramps: a candidate version
// answers half the requests and runs as a ghost on a tenth of the rest,
// after the stable version has answered, with its output compared to
// stable's (and stable run twice on a sample, for the noise filter).
//
// The ramp holds at 50 %: minSamples and minStepMs are out of reach, so the
// controller never passes, promotes or rolls back during a run, and the
// graph shows one steady state. Both versions give the same answer, so the
// comparison finds no mismatch.
//
// The generator sends no unit key. Unlike the flags scenario, this one keeps
// `missing: 'off'` (the default): a release draws a fresh position for each
// keyless request, so the 50 % and the 10 % hold. Under `missing: 'empty'`
// every request would be the unit "" and all of them would land on one
// version.
import { createApp } from 'griddle'
import { userSchema } from '../demo/read-model.js'
import { benchPort, idOf, readModel, ready, work } from '../bench/http/server-kit.js'
import { firePortHook } from './port-hook.js'

export const RAMP_ROUTE = 'GET /users/:id'
export const RAMP = { steps: [50], minSamples: 1e9, minStepMs: 86_400_000 }
export const GHOST = { sample: 0.1 }

const model = readModel()
const app = createApp({ unitKey: { header: 'x-user-id' } })
app.get('/users/:id', { version: 'v1', schema: { response: { 200: userSchema } } }, function rampStable(req) {
  work()
  return model.user(idOf(req.params.id as string))
})
const release = app.release(RAMP_ROUTE, {
  version: 'v2',
  handler: function rampCandidate(req) {
    work()
    return model.user(idOf(req.params.id as string))
  },
})
// Ghost first (loaded -> ghost), then the ramp (ghost -> ramping): the ghost sample stays on while it ramps.
release.ghost(GHOST).ramp(RAMP)
await release.ready
const port = benchPort()
await app.listen(port)
ready(port)
await firePortHook()

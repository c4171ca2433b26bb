// Scenario `cached`: GET /users/:id over a hot set, answered from the off-heap response cache.
import { start } from '../bench/http/servers/griddle-kit.js'
import { firePortHook } from './port-hook.js'

await start({ cache: { ttlMs: 3_600_000 } })
await firePortHook()

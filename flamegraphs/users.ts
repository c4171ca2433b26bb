// Scenario `users`: GET /users/:id answered by the handler, a fresh JSON object per request.
import { start } from '../bench/http/servers/griddle-kit.js'
import { firePortHook } from './port-hook.js'

await start({})
await firePortHook()

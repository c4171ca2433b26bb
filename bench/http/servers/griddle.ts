// griddle serving GET /users/:id from the read model, a fresh object per request.
import { start } from './griddle-kit.js'

await start({})

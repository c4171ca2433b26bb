// griddle with the route's responses cached off-heap: hits never run the handler.
import { start } from './griddle-kit.js'

await start({ cache: { ttlMs: 3_600_000 } })

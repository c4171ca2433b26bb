// griddle-cached with 1 GB of other entries held in the same cache, for the GC check.
import { start } from './griddle-kit.js'

await start({ cache: { ttlMs: 3_600_000 }, fillMb: 1024 })

// griddle with telemetry off: no outcome recorded per request (the end
// listener removed), no StatsD, no admin listener, no scrapes.
import { kOnEnd } from '../../../lib/symbols.js'
import { start } from './griddle-kit.js'

await start({ configure: (app) => app[kOnEnd](null) })

// griddle with admission control off: the overload baseline.
import { start } from './griddle-kit.js'

await start({ app: { admission: false } })

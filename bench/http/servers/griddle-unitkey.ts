// griddle keyed on the x-user header, without releases: the peer of
// griddle-ramp-ghost (the same app, the same unit-key read and hash).
import { start } from './griddle-kit.js'

await start({ app: { unitKey: { header: 'x-user' } } })

// griddle itself, written against the planned API. Until lib/ exports
// createApp this module reports SKIP and the runner leaves it out.
import { userSchema } from '../../../demo/read-model.js'
import { benchPort, readModel, ready, skip, idOf } from '../server-kit.js'

interface PlannedApp {
  get(
    path: string,
    options: { schema: { response: { 200: unknown } } },
    handler: (req: { params: Record<string, string> }) => unknown,
  ): unknown
  listen(port: number): Promise<unknown> | unknown
}

const griddle = (await import('griddle')) as unknown as { createApp?: () => PlannedApp }
if (typeof griddle.createApp !== 'function') skip('griddle does not export createApp yet')

const model = readModel()
const port = benchPort()
const app = griddle.createApp()
app.get('/users/:id', { schema: { response: { 200: userSchema } } }, (req) => model.user(idOf(req.params.id)))
await app.listen(port)
ready(port)

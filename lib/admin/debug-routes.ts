/**
 * The debug routes of the admin listener (Go's net/http/pprof, for Node):
 * - `GET /debug/profile?seconds=N&thread=main|N|all`: a V8 .cpuprofile of
 *   one thread, or `{ threads: [{ thread, profile }] }` of every thread;
 * - `GET /debug/heap?thread=main|N`: a V8 heap snapshot (.heapsnapshot);
 * - `GET /debug/gc?thread=main|N|all`: the GC pause histogram, JSON.
 * One capture at a time (409 while another runs), 404 for a thread that does
 * not exist, bad input a coded 400. Nothing is attached while no capture
 * runs, so they cost nothing until asked.
 */
import { json, type AdminRoute } from './listener.js'
import { parseProfileQuery, parseThread } from './debug-profile.js'
import { Debugger, mainThreadOnly } from './debugger.js'

/** The routes over `debug` (default: the calling thread alone, as createApp mounts them). */
export function debugRoutes(debug: Debugger = new Debugger(mainThreadOnly)): AdminRoute[] {
  return [
    { method: 'GET', path: '/debug/profile', handler: async (req) => json(await debug.profile(parseProfileQuery(req.query))) },
    {
      method: 'GET', path: '/debug/heap', handler: async (req) => {
        const thread = parseThread(req.query)
        // The parts are joined once here: the admin listener writes one body.
        const body = Buffer.concat(await debug.heap({ thread }))
        const name = `heap-${thread}-${new Date().toISOString().replace(/[:.]/g, '-')}.heapsnapshot`
        return { type: 'application/json', headers: { 'content-disposition': `attachment; filename="${name}"` }, body }
      },
    },
    { method: 'GET', path: '/debug/gc', handler: async (req) => json(await debug.gc({ thread: parseThread(req.query) })) },
  ]
}

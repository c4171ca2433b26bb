/**
 * The debug routes of the admin listener (Go's net/http/pprof, for Node):
 * `GET /debug/profile?seconds=N` answers a V8 .cpuprofile of the main thread,
 * one profile at a time (409 while another runs; bad input a coded 400).
 * Nothing is attached while no profile runs, so it costs nothing until asked.
 */
import { json, type AdminRoute } from './listener.js'
import { parseProfileQuery, takeProfile } from './debug-profile.js'

export function debugRoutes(): AdminRoute[] {
  return [{ method: 'GET', path: '/debug/profile', handler: async (req) => json(await takeProfile(parseProfileQuery(req.query))) }]
}

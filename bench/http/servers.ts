/**
 * The servers a run can compare. Each is one module under servers/, started
 * in its own process (see server-kit.ts for the protocol). Adding a server is
 * adding one entry here and one module there.
 *
 * `repeat`: the runner measures this server twice, as two independent entries
 * in the rotation, so the table shows how far two runs of the same code differ.
 * When no available server asks for it, the first listed one is repeated.
 */
export interface ServerEntry {
  name: string
  label: string
  module: string
  repeat?: boolean
}

export const SERVERS: readonly ServerEntry[] = [
  { name: 'griddle', label: 'griddle', module: 'griddle.js', repeat: true },
  { name: 'griddle-cached', label: 'griddle, response cache', module: 'griddle-cached.js' },
  { name: 'griddle-cached-1gb', label: 'griddle, response cache + 1 GB held', module: 'griddle-cached-1gb.js' },
  { name: 'griddle-noshed', label: 'griddle, shedding off', module: 'griddle-noshed.js' },
  { name: 'griddle-ghost', label: 'griddle, ghost runs on 10 %', module: 'griddle-ghost.js' },
  { name: 'griddle-telemetry-off', label: 'griddle, telemetry off (no recording, no exporters)', module: 'griddle-telemetry-off.js' },
  { name: 'griddle-telemetry-on', label: 'griddle, telemetry on (recording, StatsD 1 s, /metrics scraped 1 s)', module: 'griddle-telemetry-on.js' },
  { name: 'uws-json', label: 'uWS.js, JSON.stringify per request', module: 'uws-json.js' },
  { name: 'uws-prebuilt', label: 'uWS.js, prebuilt bytes (ceiling)', module: 'uws-prebuilt.js' },
  { name: 'fastify', label: 'fastify 5, response schema', module: 'fastify.js' },
  { name: 'node-http', label: 'node:http', module: 'node-http.js' },
  { name: 'griddle-flags', label: 'griddle, 20 flags + 2 experiments per request', module: 'griddle-flags.js' },
  { name: 'griddle-unitkey', label: 'griddle, unit key from x-user, no releases', module: 'griddle-unitkey.js' },
  { name: 'griddle-ramp-ghost', label: 'griddle, release ramping at 50 % + ghost runs on 10 %', module: 'griddle-ramp-ghost.js' },
]

export function findServer(name: string): ServerEntry {
  const entry = SERVERS.find((s) => s.name === name)
  if (!entry) throw new Error(`unknown server "${name}"; known: ${SERVERS.map((s) => s.name).join(', ')}`)
  return entry
}

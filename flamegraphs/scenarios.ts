/**
 * The flame-graph scenarios: one server script each (in this folder), and the
 * bench/http scenario whose path list drives it. To add one: a script that
 * starts the server, prints READY (server-kit) and calls firePortHook(), and
 * a row here.
 */
export interface FlameScenario {
  name: string
  /** compiled server script, relative to dist/flamegraphs/ */
  script: string
  /** the bench/http scenario whose paths the generator cycles through */
  paths: string
  description: string
}

export const FLAME_SCENARIOS: FlameScenario[] = [
  { name: 'users', script: 'users.js', paths: 'users', description: 'GET /users/:id, a fresh JSON object per request (handler, compiled serializer)' },
  { name: 'cached', script: 'cached.js', paths: 'cached', description: 'GET /users/:id over 100 hot ids, answered from the response cache by the dispatch call' },
  { name: 'flags', script: 'flags.js', paths: 'users', description: 'GET /users/:id, a fresh JSON object per request, with three flags (rollout and rule, value, variants) and an experiment evaluated in each' },
  { name: 'ramp', script: 'ramp.js', paths: 'users', description: 'GET /users/:id while a release holds at 50 % (a handler version) and runs as a ghost on 10 % of the stable requests' },
]

export function findFlameScenario(name: string): FlameScenario {
  const s = FLAME_SCENARIOS.find((x) => x.name === name)
  if (s === undefined) {
    throw new Error(`unknown scenario "${name}"; known: ${FLAME_SCENARIOS.map((x) => x.name).join(', ')}`)
  }
  return s
}

/**
 * The load of one flame-graph run: the open-loop generator against the
 * scenario's server, its JSON result written next to the graph. Run as 0x's
 * `--on-port` command in js mode (0x's $PORT is the throwaway hook server, so
 * the real port comes in FLAME_TARGET_PORT), called directly in native mode.
 */
import { writeFileSync } from 'node:fs'
import { runLoadgen, type LoadgenResult } from '../bench/http/loadgen.js'

export interface Load {
  port: number
  rate: number
  seconds: number
  connections: number
  pathsFile: string
  cpu: string
  resultFile: string
}

export async function drive(load: Load): Promise<LoadgenResult> {
  const result = await runLoadgen({
    port: load.port, rate: load.rate, seconds: load.seconds, connections: load.connections,
    pathsFile: load.pathsFile, cpu: load.cpu, drainSeconds: 2,
  })
  writeFileSync(load.resultFile, `${JSON.stringify(result, null, 2)}\n`)
  return result
}

export function loadEnv(load: Load): Record<string, string> {
  return { FLAME_LOAD: JSON.stringify(load) }
}

if (process.argv[1]?.endsWith('drive.js')) {
  const raw = process.env.FLAME_LOAD
  if (raw === undefined) {
    console.error('drive.js runs under npm run flame, which sets FLAME_LOAD')
    process.exit(2)
  }
  await drive(JSON.parse(raw) as Load)
}

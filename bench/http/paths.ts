/** Where things are, relative to the repository (this file runs from dist/bench/http/). */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const WRK_SCRIPT = resolve(repoRoot, 'bench', 'http', 'paths.lua')
/** The HTTP module's results (bench/RESULTS.md is the index of every module's file). */
export const RESULTS_FILE = resolve(repoRoot, 'bench', 'results', 'http.md')

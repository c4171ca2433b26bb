// Runs the compiled test files under dist/test with node:test, one file at a
// time. Node 20 takes a folder and searches it; Node 22 and later take only
// files or glob patterns, and Node 20 has no globs: so the files are listed
// here and passed by name, which every version accepts.
// Usage: node scripts/run-tests.mjs [folder-or-file ...] (default: dist/test)
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function collect(path, into) {
  if (statSync(path).isFile()) {
    into.push(path)
    return into
  }
  for (const name of readdirSync(path).sort()) {
    const child = join(path, name)
    if (statSync(child).isDirectory()) collect(child, into)
    else if (name.endsWith('.test.js')) into.push(child)
  }
  return into
}

const roots = process.argv.slice(2)
const files = (roots.length > 0 ? roots : ['dist/test']).flatMap((root) => collect(root, []))
if (files.length === 0) {
  console.error('run-tests: no *.test.js files found; run `npm run build:ts` first')
  process.exit(1)
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' })
process.exit(r.status ?? 1)

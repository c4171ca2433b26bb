import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { COMMANDS, dispatch } from '../../lib/cli/dispatch.js'

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lib', 'cli', 'main.js')

function cli(...args: string[]): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 30_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function collect(): { io: { out: (s: string) => void, err: (s: string) => void }, out: string[], err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (s) => out.push(s), err: (s) => err.push(s) }, out, err }
}

test('an unknown command exits 2 and lists the commands', () => {
  const r = cli('frobnicate')
  assert.equal(r.status, 2)
  assert.match(r.stderr, /unknown command "frobnicate"; commands: tune, profile/)
})

test('no command prints the overview on stderr and exits 2; --help prints it on stdout and exits 0', () => {
  const none = cli()
  assert.equal(none.status, 2)
  assert.match(none.stderr, /usage: griddle <command>/)
  const help = cli('--help')
  assert.equal(help.status, 0)
  assert.match(help.stdout, /tune +check the OS/)
})

test('every command answers --help with its own usage', async () => {
  for (const c of COMMANDS) {
    const { io, out } = collect()
    assert.equal(await dispatch([c.name, '--help'], io), 0)
    assert.equal(out.join('\n'), c.usage)
    assert.match(c.usage, new RegExp(`^usage: griddle ${c.name}`))
  }
  const { io, out } = collect()
  assert.equal(await dispatch(['help', 'tune'], io), 0)
  assert.match(out[0]!, /^usage: griddle tune/)
})

test('bad flags exit 2 with the message and the command\'s usage', async () => {
  const { io, err } = collect()
  assert.equal(await dispatch(['tune', '--bogus'], io), 2)
  assert.match(err.join('\n'), /griddle tune: .*--bogus[\s\S]*usage: griddle tune/)
  const r = cli('profile', '--seconds', '5')
  assert.equal(r.status, 2)
  assert.match(r.stderr, /--admin URL is required/)
})

test('the executable starts with a shebang and package.json names it as the griddle bin', () => {
  assert.match(readFileSync(MAIN, 'utf8'), /^#!\/usr\/bin\/env node\n/)
  const pkg = JSON.parse(readFileSync(join(dirname(MAIN), '..', '..', '..', 'package.json'), 'utf8')) as { bin: Record<string, string> }
  assert.equal(pkg.bin.griddle, 'dist/lib/cli/main.js')
})

test('griddle tune runs on this host and reports every check', () => {
  const r = cli('tune', '--sample-ms', '100')
  assert.equal(r.status, 0, r.stderr)
  for (const name of ['net.core.somaxconn', 'open files', 'transparent huge pages', 'steal time']) assert.ok(r.stdout.includes(name), name)
})

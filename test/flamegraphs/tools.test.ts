import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const TOOLS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'flamegraphs', 'tools.js')

/** Runs checkPerf() in a child whose PATH holds only `sh` and, optionally, a fake perf. */
function checkWith(fakePerf: string | null): string {
  const bin = mkdtempSync(join(tmpdir(), 'flame-tools-test-'))
  try {
    symlinkSync('/bin/sh', join(bin, 'sh'))
    if (fakePerf !== null) {
      writeFileSync(join(bin, 'perf'), `#!/bin/sh\n${fakePerf}\n`)
      chmodSync(join(bin, 'perf'), 0o755)
    }
    const script = `import { checkPerf } from ${JSON.stringify(TOOLS)}\n` +
      'checkPerf().then(() => console.log("usable"), (e) => console.log(e.message))'
    return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { PATH: bin } })
  } finally {
    rmSync(bin, { recursive: true, force: true })
  }
}

test('without perf, native mode says which package to install', () => {
  assert.match(checkWith(null), /perf is not installed: apt-get update && apt-get install -y linux-perf/)
})

test('when perf may not record, it says what to set', () => {
  const out = checkWith('echo "perf_event_open(..., PERF_FLAG_FD_CLOEXEC) failed with unexpected error 1 (Operation not permitted)" >&2; exit 255')
  assert.match(out, /sysctl -w kernel.perf_event_paranoid=1/)
  assert.match(out, /Operation not permitted/)
})

test('Debian\'s perf wrapper without a build for this kernel points at the matching package', () => {
  assert.match(checkWith('echo "perf not found for kernel 6.1.0-99" >&2; exit 1'), /perf has no build for this kernel/)
})

test('a perf that records is accepted', () => {
  assert.equal(checkWith('exit 0').trim(), 'usable')
})

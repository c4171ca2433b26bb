import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureMigrateReq, migrateMessage, readMigrateReq } from '../../lib/cli/migrate-req.js'

/** A fixture /proc tree holding tcp_migrate_req = value (none when value is null). */
function root(value: string | null): string {
  const dir = mkdtempSync(join(tmpdir(), 'griddle-migrate-'))
  mkdirSync(join(dir, 'proc/sys/net/ipv4'), { recursive: true })
  if (value !== null) writeFileSync(join(dir, 'proc/sys/net/ipv4/tcp_migrate_req'), value)
  return dir
}

test('griddle start sets tcp_migrate_req to 1 only when asked, and says so', () => {
  const dir = root('0\n')
  try {
    const left = ensureMigrateReq(false, dir)
    assert.equal(left.state, 'off')
    assert.match(migrateMessage(left)!, /is 0 \(not asked to set it: --migrate-requests\).*reset/)
    assert.equal(readMigrateReq(dir), 0, 'not asked: left alone')
    const set = ensureMigrateReq(true, dir)
    assert.deepEqual(set, { state: 'set', was: 0 })
    assert.equal(readFileSync(join(dir, 'proc/sys/net/ipv4/tcp_migrate_req'), 'utf8'), '1\n')
    assert.match(migrateMessage(set)!, /set net.ipv4.tcp_migrate_req to 1 \(was 0\)/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('tcp_migrate_req already on, or absent from the kernel, needs no word and no write', () => {
  for (const [value, state] of [['1\n', 'on'], [null, 'absent']] as const) {
    const dir = root(value)
    try {
      const o = ensureMigrateReq(true, dir)
      assert.equal(o.state, state)
      assert.equal(migrateMessage(o), null)
      assert.equal(readMigrateReq(dir), value === null ? null : 1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
})

const MODULE = new URL('../../lib/cli/migrate-req.js', import.meta.url).href
const live = readMigrateReq()

test('on this kernel, a process that may not write tcp_migrate_req leaves it with the reason', { skip: live !== 0 ? `tcp_migrate_req here is ${live}` : false }, (t) => {
  // As root, the check runs as nobody (root may write it); otherwise as this user.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(MODULE)}); console.log(JSON.stringify(m.ensureMigrateReq(true)))`],
  { encoding: 'utf8', ...(process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}) })
  // CI runs Node 22 and 24 from a directory only root may enter: nobody cannot start that binary.
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'EACCES') {
    t.skip(`nobody may not run ${process.execPath}`)
    return
  }
  assert.equal(r.status, 0, r.stderr)
  const o = JSON.parse(r.stdout) as { state: string, why: string }
  assert.equal(o.state, 'off')
  assert.match(o.why, /may not write it \((EACCES|EPERM)\)/)
  assert.equal(readMigrateReq(), 0, 'still 0')
})

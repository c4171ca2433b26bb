import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactPerfMap, latestEntries } from '../../flamegraphs/perf-map.js'

test('a later entry replaces every earlier one it overlaps, whole', () => {
  const lines = [
    '1000 100 JS:~ module.js:1:1',
    '10a0 10 JS:~ other.js:2:2',
    '1050 80 JS:*onRequest on-request.js:51:30',
  ]
  assert.deepEqual(latestEntries(lines), ['1050 80 JS:*onRequest on-request.js:51:30'])
})

test('entries that do not overlap are all kept, in address order', () => {
  const lines = ['2000 10 b', '1000 10 a', '1010 6 c']
  assert.deepEqual(latestEntries(lines), ['1000 10 a', '1010 6 c', '2000 10 b'])
})

test('an entry ending exactly where a later one starts is not an overlap', () => {
  assert.deepEqual(latestEntries(['1000 10 a', '1010 10 b']), ['1000 10 a', '1010 10 b'])
})

test('lines that are not map entries, and empty entries, are dropped', () => {
  assert.deepEqual(latestEntries(['garbage', '1000 0 empty', '1000 4 ok']), ['1000 4 ok'])
})

test('compactPerfMap rewrites the file and counts what it dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-map-test-'))
  try {
    const file = join(dir, 'perf-1.map')
    writeFileSync(file, '1000 100 old\n1000 100 new\n')
    assert.equal(compactPerfMap(file), 1)
    assert.equal(readFileSync(file, 'utf8'), '1000 100 new\n')
    assert.equal(compactPerfMap(join(dir, 'absent.map')), 0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

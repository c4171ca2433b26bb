import { test } from 'node:test'
import assert from 'node:assert/strict'
import { intOption, knownKeys, nearest } from '../../lib/util/check.js'

test('nearest suggests a known name within a typo, and nothing for a stranger', () => {
  const known = ['bodyLimit', 'requestTimeoutMs', 'maxUrlLength', 'host', 'port']
  assert.equal(nearest('bodyLimt', known), 'bodyLimit')
  assert.equal(nearest('bodylimit', known), 'bodyLimit')
  assert.equal(nearest('prot', known), 'port')
  assert.equal(nearest('hots', known), 'host')
  assert.equal(nearest('maxURLlength', known), 'maxUrlLength')
  assert.equal(nearest('compression', known), null)
  assert.equal(nearest('x', []), null)
})

test('knownKeys passes known keys and names the first unknown one with its prefix', () => {
  assert.doesNotThrow(() => knownKeys({ a: 1, b: 2 }, ['a', 'b', 'c'], 'here'))
  assert.throws(() => knownKeys({ a: 1, bb: 2 }, ['a', 'b'], 'here', 'p.'), (err: Error & { code?: string }) =>
    err.code === 'GRIDDLE_ERR_UNKNOWN_OPTION' && err.message.includes('here: "p.bb" is not an option (did you mean "p.b"?)'))
})

test('intOption takes integers in range, its default when absent, and refuses the rest', () => {
  assert.equal(intOption('n', undefined, 7, 0, 10), 7)
  assert.equal(intOption('n', 10, 7, 0, 10), 10)
  for (const bad of [11, -1, 1.5, '3', null, NaN]) assert.throws(() => intOption('n', bad, 7, 0, 10), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})

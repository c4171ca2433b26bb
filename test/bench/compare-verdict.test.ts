import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareArms, judge, logSpread, pairedRatios, MIN_EFFECT } from '../../bench/compare/verdict.js'

test('paired ratios skip rounds where either arm failed', () => {
  assert.deepEqual(pairedRatios([2, null, 6], [1, 2, 3]), [2, 2])
})

test('a change is flagged only when every round lies beyond the noise on the same side', () => {
  assert.equal(judge([0.5, 0.52, 0.49], Math.log(1.1)).verdict, 'slower')
  assert.equal(judge([1.5, 1.4, 1.6], Math.log(1.1)).verdict, 'faster')
  assert.equal(judge([0.5, 0.52, 0.95], Math.log(1.1)).verdict, 'same')
  assert.equal(judge([0.5], Math.log(1.1)).verdict, 'n/a')
  assert.equal(judge([0.5, 0.5], Math.log(1.1)).verdict, 'n/a', 'two rounds give no verdict')
})

test('the noise width never falls below the 2 % floor', () => {
  const c = judge([0.985, 0.99, 0.98], 0)
  assert.equal(c.verdict, 'same')
  assert.ok(Math.abs(c.band[0] - Math.exp(-MIN_EFFECT)) < 1e-12)
})

test('the A/A arm widens the band B must leave', () => {
  const a = [100, 101, 100]
  const b = [80, 81, 80] // 20 % slower
  assert.equal(compareArms(a, b, [99, 100, 101]).change.verdict, 'slower')
  // with an A/A arm that itself moved 30 %, 20 % is within the noise
  assert.equal(compareArms(a, b, [70, 130, 100]).change.verdict, 'same')
})

test('the noise arm is judged against the spread of A and A′', () => {
  assert.equal(compareArms([100, 100, 100], [50, 50, 50], [100, 101, 99]).noise.verdict, 'same')
  assert.equal(compareArms([100, 101, 100], [100, 100, 100], [60, 61, 60]).noise.verdict, 'slower')
  assert.ok(Math.abs(logSpread([1, 2]) - Math.log(2)) < 1e-12)
})

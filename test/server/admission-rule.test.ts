// The queue-delay rule of admission control, driven with given times: each
// turn is the requests taken up in one event-loop turn, then its end.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Admission } from '../../lib/server/admission.js'

/** Admission with only the queue-delay bound: target 10 ms, interval 500 ms. */
function rule(): Admission {
  return new Admission({ maxInFlight: 0, maxEventLoopDelayMs: 0, maxQueueDelayMs: 10, queueIntervalMs: 500 })
}

/**
 * One loop turn from `start`, taking up a request every `gap` ms until `length`
 * ms into it, then ending: the verdict of each request (true: shed).
 */
function turn(a: Admission, start: number, length: number, gap = 1): boolean[] {
  const out: boolean[] = []
  for (let t = 0; t <= length; t += gap) out.push(a.overloaded(0, start + t))
  a.endTurn(start + length)
  return out
}

/** Turns of `length` ms back to back from `from` until `until`: every verdict, by turn. */
function turns(a: Admission, from: number, until: number, length: number): boolean[][] {
  const out: boolean[][] = []
  for (let t = from; t < until; t += length) out.push(turn(a, t, length))
  return out
}

test('turns past the target shed nothing for a whole interval, then shed the requests past the target', () => {
  const a = rule()
  const before = turns(a, 1000, 1480, 20)
  assert.ok(before.flat().every((shed) => !shed), 'a standing queue younger than the interval is not shed')
  const after = turn(a, 1520, 20)
  // Admitted within the target into the turn, shed past it.
  assert.deepEqual(after.map((shed, i) => [i, shed]).filter(([, s]) => s).map(([i]) => i)[0], 11)
  assert.ok(after.slice(0, 11).every((shed) => !shed))
  assert.ok(after.slice(11).every((shed) => shed))
})

test('one short turn pauses shedding, and the next turn past the target sheds again at once (not after an interval)', () => {
  const a = rule()
  turns(a, 1000, 1600, 20)
  assert.ok(turn(a, 1600, 20).at(-1), 'dropping')
  // Shedding made a turn short: the queue had cleared for that turn.
  assert.ok(turn(a, 1620, 5).every((shed) => !shed))
  const resumed = turn(a, 1625, 20)
  assert.equal(resumed[10], false)
  assert.equal(resumed[11], true, 'resumes at once within an interval of the last shed request')
  // Alternating long and short turns, as shedding at twice capacity gives, sheds in every long turn.
  for (let t = 1645; t < 3000; t += 25) {
    assert.equal(turn(a, t, 20).at(-1), true, `long turn at ${t}`)
    turn(a, t + 20, 5)
  }
})

test('an interval after the last shed request, a queue must stand a whole interval again before shedding', () => {
  const a = rule()
  turns(a, 1000, 1600, 20)
  assert.ok(turn(a, 1600, 20).at(-1))
  // Short turns only, for more than an interval: the overload is over.
  turns(a, 1620, 2200, 5)
  // A new burst is then served, late rather than refused, for a whole interval.
  assert.ok(turns(a, 2200, 2680, 20).flat().every((shed) => !shed))
  assert.ok(turn(a, 2700, 20).at(-1))
})

test('a loop idle for a whole interval forgets a standing queue', () => {
  const a = rule()
  turns(a, 1000, 1400, 20)
  // No request for 600 ms, then turns past the target again: a fresh burst.
  assert.ok(turns(a, 2000, 2480, 20).flat().every((shed) => !shed))
})

test('requests within the target into a turn are never shed by the queue rule, whatever the state', () => {
  const a = rule()
  turns(a, 1000, 1600, 20)
  for (let t = 1600; t < 2000; t += 20) assert.ok(turn(a, t, 20).slice(0, 11).every((shed) => !shed))
  // busy() sees the standing queue, for ghost runs.
  assert.equal(a.busy(0), true)
})

/**
 * A reload's listener handover without resets (docs/deploy.md, "The
 * SO_REUSEPORT accept-queue trap"): once the new generation listens, a
 * classic BPF program on the port's SO_REUSEPORT group sends every new
 * connection to its listeners only; the old listeners keep accepting until
 * their accept queues are empty, and then close one at a time, each close
 * arranged so that the program never names a slot that is moving. Where
 * that cannot be done (one new worker, a group holding listeners the
 * supervisor does not know), the old listeners close one at a time
 * unsteered, as before steering existed, and the reason is logged once.
 */
import { acceptQueue } from './reuseport.js'
import type { Member, ReuseportGroup } from './reuseport-group.js'

export interface HandoverOutcome {
  steered: boolean
  /** Why not, when not steered (or why steering stopped half-way). */
  why?: string
  /** From the program's attach to the old accept queues found empty (steered). */
  queuesMs?: number
  /** False when the old queues still held connections at the bound. */
  queuesEmpty?: boolean
}

/** At least this long after the attach (a handshake under way on an old listener completes into its queue), */
const QUEUE_MIN_MS = 20
/** and two empty polls in a row, this far apart; at most QUEUE_MAX_MS. */
const QUEUE_POLL_MS = 5
const QUEUE_MAX_MS = 1000

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Waits until no connection waits on an old listener, while their workers go on accepting. */
async function queuesEmpty(old: readonly Member[]): Promise<{ ms: number, empty: boolean }> {
  const t0 = performance.now()
  let emptyPolls = 0
  for (let i = 0; i < QUEUE_MAX_MS / QUEUE_POLL_MS && performance.now() - t0 < QUEUE_MAX_MS; i++) {
    await sleep(QUEUE_POLL_MS)
    let waiting = 0
    for (const m of old) {
      try {
        waiting += acceptQueue(m)
      } catch {
        // Closed meanwhile (a crash): the step after this one finds it gone and doubts the copy.
      }
    }
    emptyPolls = waiting === 0 ? emptyPolls + 1 : 0
    if (emptyPolls >= 2 && performance.now() - t0 >= QUEUE_MIN_MS) return { ms: Math.round(performance.now() - t0), empty: true }
  }
  return { ms: Math.round(performance.now() - t0), empty: false }
}

/**
 * Closes one old listener. The last slot's socket moves into the closed
 * one's slot, so: close the last one when it is old (nothing moves);
 * otherwise take the new listener in the last slot out of the program first
 * and put it back at its new slot after.
 */
async function closeOne(group: ReuseportGroup, rest: readonly Member[], fresh: ReadonlySet<object>, close: (owner: object) => Promise<void>): Promise<Member> {
  const last = group.last()!
  const victim = rest.includes(last) ? last : rest[0]!
  if (victim !== last) group.steerTo(fresh, last)
  await group.closeStep(victim.owner!, () => close(victim.owner!))
  if (group.trusted) group.steerTo(fresh)
  return victim
}

/** The old workers' listeners, closed one at a time as steering allows; the rest unsteered. */
export function handoverListeners(group: ReuseportGroup, old: ReadonlySet<object>, fresh: ReadonlySet<object>,
  close: (owner: object) => Promise<void>): Promise<HandoverOutcome> {
  return group.exclusive(async () => {
    group.absorb()
    const why = group.problem(old, fresh)
    let outcome: HandoverOutcome = { steered: false, why: why ?? undefined }
    const done = new Set<object>()
    if (why === null) {
      try {
        group.steerTo(fresh)
        const q = await queuesEmpty(group.ownedBy(old))
        outcome = { steered: true, queuesMs: q.ms, queuesEmpty: q.empty }
        // Each old listener is closed once: one still there after its step stops steering (below).
        for (let rest = group.ownedBy(old); rest.length > 0 && group.trusted; rest = group.ownedBy(old).filter((m) => !done.has(m.owner!))) {
          done.add((await closeOne(group, rest, fresh, close)).owner!)
        }
        if (!group.trusted || group.ownedBy(old).length > 0) outcome = { ...outcome, steered: false, why: 'the group changed during the handover' }
      } catch (err) {
        outcome = { ...outcome, steered: false, why: (err as Error).message }
      } finally {
        group.unsteer()
      }
    }
    // Unsteered, and every old worker without a listener in the copy: one at a time all the same, so the copy stays exact.
    for (const owner of old) if (!done.has(owner)) await group.closeStep(owner, () => close(owner))
    return outcome
  })
}

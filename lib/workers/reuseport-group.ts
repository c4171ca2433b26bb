/**
 * The supervisor's exact copy of the SO_REUSEPORT group of its port: which
 * listener holds which slot of the kernel's socket array
 * (net/core/sock_reuseport.c). A socket joins at listen() at the end of the
 * array; when one closes, the last is moved into its slot. So the copy stays
 * exact only while every listen and every listener close of the workers
 * happens one at a time, in an order known here: each is a step run alone
 * (`listen`, `closeStep`), and the process's listeners are compared with
 * the copy before and after it. Anything that cannot be explained (two
 * listeners gone at once, one opened elsewhere, a step that raced a crash)
 * puts the copy in doubt; steering stops until it can be trusted again.
 */
import { GriddleError } from '../errors.js'
import { listeners, namespaceListeners, steer, unsteer, type Listener } from './reuseport.js'

export interface Member extends Listener {
  /** The worker whose listener it is; null when it could not be told. */
  readonly owner: object | null
}

/** Set to 0 in the environment of `griddle start`, reloads close the old listeners unsteered (docs/deploy.md). */
export const STEERING_ENV = 'GRIDDLE_REUSEPORT_STEERING'

/** How long one listen or close step may take before the copy is doubted and the next step runs. */
const STEP_MS = 30_000

function bounded<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), STEP_MS) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

export class ReuseportGroup {
  /** The kernel's array for the port: index = slot. In doubt, the right members in an unknown order. */
  private members: Member[] = []
  /** Why the copy cannot be trusted, or null. */
  private doubt: string | null = null
  private queue: Promise<unknown> = Promise.resolve()
  private steering: Member | null = null
  private readonly told = new Set<string>()

  constructor(readonly port: number, private readonly log: (line: string) => void) {}

  /** Runs fn alone, after every step queued before it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn)
    this.queue = next.catch(() => undefined)
    return next
  }

  /** One worker's listen, alone: run() tells it to listen and settles once it answered. */
  listen(owner: object, run: () => Promise<void>): Promise<void> {
    return this.exclusive(async () => {
      this.absorb()
      try {
        await bounded(run())
      } finally {
        this.afterStep(owner, 'listen')
      }
    })
  }

  /** One worker's listener close, inside exclusive(): run() tells it and settles once it answered. */
  async closeStep(owner: object, run: () => Promise<void>): Promise<void> {
    try {
      await bounded(run())
    } finally {
      this.afterStep(owner, 'close')
    }
  }

  /** A worker ended: its listener, if it still had one, closed on its own; take that in before the next step. */
  exited(): void {
    void this.exclusive(async () => this.absorb())
  }

  /** Logs a line once per text (a fallback repeated at every reload is said once). */
  tell(line: string): void {
    if (this.told.has(line)) return
    this.told.add(line)
    this.log(line)
  }

  /**
   * Takes in what changed since the last step, when nothing else ran: one
   * listener gone is a crashed worker's close, applied as the kernel did.
   */
  absorb(): void {
    const now = this.list()
    if (now === null) return
    const { gone, extra } = this.diff(now)
    if (this.doubt !== null) return this.resync(now, null)
    if (extra.length > 0) this.distrust(`a listener on port ${this.port} was opened outside the supervisor`, now)
    else if (gone.length > 1) this.distrust(`${gone.length} listeners closed at once outside the supervisor`, now)
    else if (gone.length === 1) this.remove(gone[0]!)
  }

  /** Why steering cannot be used for a handover from `old` to `fresh`, or null when it can. */
  problem(old: ReadonlySet<object>, fresh: ReadonlySet<object>): string | null {
    if (process.env[STEERING_ENV] === '0') return `turned off: ${STEERING_ENV}=0`
    if (this.doubt !== null) return this.doubt
    const stranger = this.members.find((m) => m.owner === null || (!old.has(m.owner) && !fresh.has(m.owner)))
    if (stranger !== undefined) return `port ${this.port} has a listener of neither generation (fd ${stranger.fd})`
    if (this.ownedBy(fresh).length < 2) return 'one worker: steering needs two or more, since each close moves a new listener out of its slot'
    let all: Set<number>
    try {
      all = namespaceListeners(this.port)
    } catch (err) {
      return `/proc/net/tcp could not be read (${(err as Error).message})`
    }
    const mine = new Set(this.members.map((m) => m.inode))
    if ([...all].some((inode) => !mine.has(inode))) return `another process listens on port ${this.port}`
    return null
  }

  /** The members listening for these workers, in slot order. */
  ownedBy(owners: ReadonlySet<object>): Member[] {
    return this.members.filter((m) => m.owner !== null && owners.has(m.owner))
  }

  /** The member in the last slot (the one a close moves), or null. */
  last(): Member | null {
    return this.members.at(-1) ?? null
  }

  /** Sends every new connection to the members of `owners` (but `except`), chosen at random. Throws when it cannot. */
  steerTo(owners: ReadonlySet<object>, except: Member | null = null): void {
    if (this.doubt !== null) throw new GriddleError('GRIDDLE_ERR_REUSEPORT', this.doubt)
    const to = this.ownedBy(owners).filter((m) => m !== except)
    steer(to[0]!, to.map((m) => this.members.indexOf(m)), this.members.length)
    this.steering = to[0]!
  }

  /** Removes the group's program, if griddle attached one: the kernel's hash picks again. */
  unsteer(): void {
    const via = this.steering
    this.steering = null
    if (via === null) return
    for (const m of [via, ...this.members]) {
      try {
        unsteer(m)
        return
      } catch {
        // That socket closed meanwhile; the program belongs to the group, so any other member will do.
      }
    }
  }

  get trusted(): boolean {
    return this.doubt === null
  }

  private afterStep(owner: object, step: 'listen' | 'close'): void {
    const now = this.list()
    if (now === null) return
    const { gone, extra } = this.diff(now)
    if (this.doubt !== null) return this.resync(now, step === 'listen' && extra.length === 1 ? owner : null)
    const mine = this.members.filter((m) => m.owner === owner)
    if (step === 'listen' && gone.length === 0 && extra.length <= 1) {
      if (extra.length === 1) this.members.push({ ...extra[0]!, owner })
    } else if (step === 'close' && extra.length === 0 && gone.every((m) => mine.includes(m))) {
      for (const m of gone) this.remove(m)
    } else {
      this.distrust(`the listeners of port ${this.port} changed during a ${step} (a worker crashed meanwhile?)`, now)
    }
  }

  private list(): Map<number, Listener> | null {
    try {
      return new Map(listeners(this.port).map((l) => [l.inode, l]))
    } catch (err) {
      this.distrust(`the listeners of port ${this.port} could not be listed (${(err as Error).message})`, null)
      return null
    }
  }

  private diff(now: Map<number, Listener>): { gone: Member[], extra: Listener[] } {
    const known = new Set(this.members.map((m) => m.inode))
    return { gone: this.members.filter((m) => !now.has(m.inode)), extra: [...now.values()].filter((l) => !known.has(l.inode)) }
  }

  /** The kernel's move: the last member takes the closed one's slot. */
  private remove(m: Member): void {
    const i = this.members.indexOf(m)
    const last = this.members.pop()!
    if (last !== m) this.members[i] = last
  }

  private distrust(why: string, now: Map<number, Listener> | null): void {
    this.doubt = why
    this.unsteer()
    if (now !== null) this.resync(now, null)
  }

  /**
   * In doubt, members follow the listeners but their order is unknown. The
   * order is certain again once the group holds at most one listener.
   */
  private resync(now: Map<number, Listener>, owner: object | null): void {
    const owners = new Map(this.members.map((m) => [m.inode, m.owner]))
    this.members = [...now.values()].map((l) => ({ ...l, owner: owners.get(l.inode) ?? owner }))
    if (this.members.length <= 1) this.doubt = null
  }
}

/**
 * The TypeScript twin of native/release.*: the process-wide table of release
 * states that dispatch reads to pick each request's version. A route key
 * ("GET /users/:id") has one slot and a version name one arm id, the same
 * on every thread of the process; a state change is one native publish that
 * every thread sees at once.
 */
import { native } from '../binding.js'
import type { Router } from '../routing/router.js'
import type { Dispatcher } from '../routing/dispatch.js'
import { kLookup } from '../symbols.js'
import { seedOf } from './bucket.js'
import { GriddleError } from '../errors.js'

type Handle = object & { readonly __releases: unique symbol }

interface ReleaseBinding {
  readonly RELEASE: Record<'ST_ACTIVE' | 'ST_PERCENT_BP' | 'ST_GHOST_BP' | 'ST_SEED_LO' | 'ST_SEED_HI' | 'ST_STABLE_ARM' |
    'ST_CANDIDATE_ARM' | 'ST_GENERATION' | 'ST_SIZE' | 'MAX_ARM', number>
  releaseOpen(name: string | null): Handle
  releaseSlot(h: Handle, routeKey: string): number
  releaseArm(h: Handle, version: string): number
  releaseSet(h: Handle, slot: number, state: Int32Array): number
  releaseGet(h: Handle, slot: number, out: Int32Array): void
  routerSetRelease(router: unknown, routeId: number, slot: number): void
  dispatchSetReleases(dispatcher: unknown, releases: Handle | null): void
}

const n = native as unknown as ReleaseBinding
const S = n.RELEASE

/** One route's live state, as dispatch reads it. */
export interface LiveState {
  active: boolean
  /** Share of live traffic the candidate serves, in basis points (0 to 10000). */
  percentBp: number
  /** Share of the stable requests that also run the candidate as a ghost, in basis points. */
  ghostBp: number
  seed: [number, number]
  stableArm: number
  candidateArm: number
}

/** The per-release seed: the same for a route and version on every thread, process and host. */
export function releaseSeed(route: string, version: string): [number, number] {
  return seedOf(`release\u0000${route}\u0000${version}`)
}

export class ReleaseTable {
  readonly handle: Handle
  private readonly state = new Int32Array(S.ST_SIZE)

  /** `name`: shared with every table of that name in the process (serve() names one per cluster); null: private. */
  constructor(readonly name: string | null = null) {
    this.handle = n.releaseOpen(name)
  }

  slot(routeKey: string): number {
    return n.releaseSlot(this.handle, routeKey)
  }

  arm(version: string): number {
    const id = n.releaseArm(this.handle, version)
    if (id < 0) throw new GriddleError('GRIDDLE_ERR_RELEASE_STATE', `no arm id left for version ${JSON.stringify(version)}`)
    return id
  }

  /** Publishes one route's state to every dispatcher reading this table; returns the table's generation. */
  set(slot: number, live: LiveState): number {
    const s = this.state
    s[S.ST_ACTIVE] = live.active ? 1 : 0
    s[S.ST_PERCENT_BP] = live.percentBp
    s[S.ST_GHOST_BP] = live.ghostBp
    s[S.ST_SEED_LO] = live.seed[0]
    s[S.ST_SEED_HI] = live.seed[1]
    s[S.ST_STABLE_ARM] = live.stableArm
    s[S.ST_CANDIDATE_ARM] = live.candidateArm
    return n.releaseSet(this.handle, slot, s)
  }

  get(slot: number): LiveState & { generation: number } {
    const s = this.state
    n.releaseGet(this.handle, slot, s)
    return {
      active: s[S.ST_ACTIVE] !== 0, percentBp: s[S.ST_PERCENT_BP]!, ghostBp: s[S.ST_GHOST_BP]!,
      seed: [s[S.ST_SEED_LO]!, s[S.ST_SEED_HI]!], stableArm: s[S.ST_STABLE_ARM]!, candidateArm: s[S.ST_CANDIDATE_ARM]!,
      generation: s[S.ST_GENERATION]!,
    }
  }

  /** Gives a route its slot; published with the router's next snapshot. */
  bindRoute(router: Router<unknown>, routeId: number, routeKey: string): number {
    const slot = this.slot(routeKey)
    n.routerSetRelease(router[kLookup], routeId, slot)
    return slot
  }

  /** Makes the dispatcher read this table (it registers as one of its readers). */
  attach(dispatcher: Dispatcher): void {
    n.dispatchSetReleases(dispatcher.dispatch, this.handle)
  }
}

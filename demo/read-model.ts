/**
 * An in-memory read model of generated users, their friends and their recent
 * activity: the data behind the demo (`npm start`) and the HTTP benchmarks.
 * Deterministic for a given seed, so every server in a benchmark returns the
 * same bytes. Records are kept in flat arrays; `user()` builds a fresh object
 * per call, as a handler reading from a store would.
 */

export interface User {
  id: number
  name: string
  email: string
  city: string
  joined: string
  bio: string
  followers: number
  verified: boolean
  tags: string[]
}

export interface Friend {
  id: number
  name: string
  city: string
}

export interface Activity {
  at: string
  kind: 'post' | 'like' | 'follow' | 'comment'
  text: string
}

const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Frances', 'Edsger', 'Radia', 'Donald', 'Zoë', 'José', 'Chloé', 'Björn']
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson', 'Allen', 'Dijkstra', 'Perlman', 'Knuth', 'Müller', 'García', 'O\'Brien', 'Nguyễn']
const CITIES = ['Lisbon', 'Zürich', 'Kraków', 'Austin', 'Osaka', 'São Paulo', 'Nairobi', 'Montréal', 'Reykjavík', 'Tallinn']
const TAGS = ['rust', 'node', 'c++', 'databases', 'http', 'latency', 'gc', 'kernels', 'compilers', 'music']
const KINDS: Activity['kind'][] = ['post', 'like', 'follow', 'comment']
const BIOS = [
  'Writes code, measures it, then writes less code.',
  'Likes "quoted" words, back\\slashes and tabs\tin bios.',
  'p99 or it didn\'t happen.',
  'Ships on Fridays <sometimes> & regrets it.',
]
const EPOCH = Date.UTC(2015, 0, 1)

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class ReadModel {
  readonly size: number
  private readonly first: Uint8Array
  private readonly last: Uint8Array
  private readonly city: Uint8Array
  private readonly bio: Uint8Array
  private readonly joined: Float64Array
  private readonly followers: Uint32Array
  private readonly tagMask: Uint16Array
  private readonly friendIds: Uint32Array
  private readonly activitySeed: Uint32Array
  static readonly FRIENDS_PER_USER = 20
  static readonly ACTIVITY_PER_USER = 10

  constructor(size = 100_000, seed = 1) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('size must be a positive integer')
    const rand = prng(seed)
    this.size = size
    this.first = new Uint8Array(size)
    this.last = new Uint8Array(size)
    this.city = new Uint8Array(size)
    this.bio = new Uint8Array(size)
    this.joined = new Float64Array(size)
    this.followers = new Uint32Array(size)
    this.tagMask = new Uint16Array(size)
    this.activitySeed = new Uint32Array(size)
    this.friendIds = new Uint32Array(size * ReadModel.FRIENDS_PER_USER)
    for (let i = 0; i < size; i++) {
      this.first[i] = Math.floor(rand() * FIRST.length)
      this.last[i] = Math.floor(rand() * LAST.length)
      this.city[i] = Math.floor(rand() * CITIES.length)
      this.bio[i] = Math.floor(rand() * BIOS.length)
      this.joined[i] = EPOCH + Math.floor(rand() * 3000) * 86_400_000
      this.followers[i] = Math.floor(rand() * rand() * 50_000)
      this.tagMask[i] = Math.floor(rand() * 1024)
      this.activitySeed[i] = Math.floor(rand() * 0xffffffff)
      for (let f = 0; f < ReadModel.FRIENDS_PER_USER; f++) {
        this.friendIds[i * ReadModel.FRIENDS_PER_USER + f] = 1 + Math.floor(rand() * size)
      }
    }
  }

  /** Ids run from 1 to size. */
  has(id: number): boolean {
    return Number.isInteger(id) && id >= 1 && id <= this.size
  }

  user(id: number): User | undefined {
    if (!this.has(id)) return undefined
    const i = id - 1
    const tags: string[] = []
    for (let t = 0; t < TAGS.length; t++) if (this.tagMask[i]! & (1 << t)) tags.push(TAGS[t]!)
    const first = FIRST[this.first[i]!]!
    const last = LAST[this.last[i]!]!
    return {
      id,
      name: `${first} ${last}`,
      email: `${first.toLowerCase()}.${id}@example.com`,
      city: CITIES[this.city[i]!]!,
      joined: new Date(this.joined[i]!).toISOString(),
      bio: BIOS[this.bio[i]!]!,
      followers: this.followers[i]!,
      verified: this.followers[i]! > 20_000,
      tags,
    }
  }

  friends(id: number, limit = ReadModel.FRIENDS_PER_USER): Friend[] | undefined {
    if (!this.has(id)) return undefined
    const n = Math.max(0, Math.min(limit, ReadModel.FRIENDS_PER_USER))
    const out: Friend[] = []
    for (let f = 0; f < n; f++) {
      const fid = this.friendIds[(id - 1) * ReadModel.FRIENDS_PER_USER + f]!
      const j = fid - 1
      out.push({ id: fid, name: `${FIRST[this.first[j]!]} ${LAST[this.last[j]!]}`, city: CITIES[this.city[j]!]! })
    }
    return out
  }

  activity(id: number, limit = ReadModel.ACTIVITY_PER_USER): Activity[] | undefined {
    if (!this.has(id)) return undefined
    const rand = prng(this.activitySeed[id - 1]!)
    const n = Math.max(0, Math.min(limit, ReadModel.ACTIVITY_PER_USER))
    const out: Activity[] = []
    let at = Date.UTC(2026, 10, 1)
    for (let k = 0; k < n; k++) {
      at -= Math.floor(rand() * 86_400_000)
      const kind = KINDS[Math.floor(rand() * KINDS.length)]!
      out.push({ at: new Date(at).toISOString(), kind, text: `${kind} #${Math.floor(rand() * 10_000)}` })
    }
    return out
  }
}

/** JSON Schemas of the read model's records, for response serializers. */
export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    email: { type: 'string' },
    city: { type: 'string' },
    joined: { type: 'string' },
    bio: { type: 'string' },
    followers: { type: 'integer' },
    verified: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['id', 'name', 'email', 'city', 'joined', 'bio', 'followers', 'verified', 'tags'],
} as const

export const friendsSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { id: { type: 'integer' }, name: { type: 'string' }, city: { type: 'string' } },
    required: ['id', 'name', 'city'],
  },
} as const

// Scenario `flags`: GET /users/:id answered by the handler while flags and an
// experiment are live: each request evaluates a percentage rollout with a
// targeting rule, a variant split and an experiment arm (counting exposures),
// and the answer carries what they decided.
//
// The generator sends no headers but Host, so there is no unit key:
// `missing: 'empty'` buckets every request as the key "", which costs the
// same per request as any key (one murmur3 hash in dispatch, one bucket per
// flag); the rule's attribute comes from the id through `context`, so the
// rule matches for half the ids and the rollout decides the rest.
import { createApp } from 'griddle'
import { userSchema } from '../demo/read-model.js'
import { benchPort, idOf, readModel, ready } from '../bench/http/server-kit.js'
import { firePortHook } from './port-hook.js'

export const FLAGS_CONFIG = {
  version: 'flame-flags-1',
  flags: {
    'new-profile': {
      rollout: { percentage: 30, groupId: 'profile' },
      rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['pro'] }] }],
    },
    'avatar-size': { type: 'number', default: 64, value: 128, rollout: 50 },
    'follow-button': {
      type: 'string', default: 'grey',
      variants: [{ name: 'red', weight: 50, payload: '#d00' }, { name: 'blue', weight: 50, payload: '#00d' }],
    },
  },
  experiments: {
    'profile-layout': { arms: [{ name: 'cards', weight: 1 }, { name: 'list', weight: 1 }] },
  },
}

// Nested rather than spread into the user: a spread costs more than the flags and would hide them.
const schema = {
  type: 'object',
  properties: {
    user: userSchema,
    flags: {
      type: 'object',
      properties: { newProfile: { type: 'boolean' }, avatar: { type: 'integer' }, button: { type: 'string' }, layout: { type: ['string', 'null'] } },
    },
  },
} as const

const model = readModel()
const app = createApp({
  unitKey: { header: 'x-user-id', missing: 'empty' },
  flags: {
    source: FLAGS_CONFIG,
    context: (req) => ({ plan: idOf(req.params.id as string) % 2 === 0 ? 'pro' : 'free' }),
  },
})
app.get('/users/:id', { schema: { response: { 200: schema } } }, function flagsHandler(req) {
  const flags = {
    newProfile: req.flags.isEnabled('new-profile'),
    avatar: req.flags.value('avatar-size', 64),
    button: req.flags.variant('follow-button').name,
    layout: req.experiment('profile-layout'),
  }
  return { user: model.user(idOf(req.params.id as string)), flags }
})
const port = benchPort()
await app.listen(port)
ready(port)
await firePortHook()

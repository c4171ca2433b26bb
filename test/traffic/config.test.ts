import { test } from 'node:test'
import assert from 'node:assert/strict'
import { checkConfig } from '../../lib/traffic/config.js'
import { parseConfigText } from '../../lib/traffic/json-text.js'

function refuses(doc: unknown, path: string): void {
  assert.throws(() => checkConfig(doc), (err: { code?: string, path?: string, message: string }) => {
    assert.equal(err.code, 'GRIDDLE_ERR_FLAGS_CONFIG')
    assert.equal(err.path, path, err.message)
    assert.ok(err.message.includes(path))
    return true
  })
}

const variants = [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }]

test('a weight out of range is refused with its path in the document', () => {
  refuses({ flags: { checkout: { variants: [...variants, { name: 'c', weight: -1 }] } } }, 'flags.checkout.variants[2].weight')
  refuses({ flags: { checkout: { variants: [{ name: 'c', weight: 'x' }] } } }, 'flags.checkout.variants[0].weight')
})

test('an unknown operator is refused with its path', () => {
  refuses({ flags: { f: { rules: [{ when: [{ attribute: 'country', op: 'matches', value: 'x' }] }] } } }, 'flags.f.rules[0].when[0].op')
})

test('a rollout that is not a number is refused', () => {
  refuses({ flags: { f: { rollout: '10' } } }, 'flags.f.rollout')
  refuses({ flags: { f: { rollout: { percentage: 101 } } } }, 'flags.f.rollout.percentage')
})

test('duplicate variant names and duplicate keys in the text are refused', () => {
  refuses({ flags: { f: { variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }] } } }, 'flags.f.variants[1].name')
  assert.throws(() => parseConfigText('{"flags":{"f":{"rollout":1},"f":{"rollout":2}}}'), { code: 'GRIDDLE_ERR_FLAGS_CONFIG', path: 'flags.f' })
  assert.throws(() => parseConfigText('{"flags":{"f":{"variants":[{"name":"a","weight":1,"weight":2}]}}}'), { path: 'flags.f.variants[0].weight' })
})

test('bad JSON, unknown keys and values of the wrong type are refused', () => {
  assert.throws(() => parseConfigText('{"flags": {'), { code: 'GRIDDLE_ERR_FLAGS_CONFIG' })
  refuses({ flags: { f: { rollotu: 5 } } }, 'flags.f.rollotu')
  refuses({ flags: { limit: { type: 'number', default: 'ten', value: 5 } } }, 'flags.limit.default')
  refuses({ flags: { f: { rules: [{ when: [{ attribute: 'v', op: 'semverGt', value: 'one' }] }] } } }, 'flags.f.rules[0].when[0].value')
})

test('experiments sharing a namespace may not overlap', () => {
  const arms = [{ name: 'a', weight: 1 }]
  refuses({ experiments: {
    x: { arms, namespace: { name: 'home', range: [0, 0.6] } },
    y: { arms, namespace: { name: 'home', range: [0.5, 1] } },
  } }, 'experiments.y.namespace.range')
  refuses({ experiments: { x: { arms, holdout: 'nope' } } }, 'experiments.x.holdout')
})

test('a valid config is normalized with its defaults', () => {
  const c = checkConfig({ version: 'v7', flags: { f: {}, g: { type: 'string', default: 'x', value: 'y', rollout: 5 } } })
  assert.equal(c.version, 'v7')
  assert.deepEqual(c.flags.map((f) => [f.name, f.enabled, f.defaultValue, f.onValue, f.rollout]), [['f', true, false, true, null], ['g', true, 'x', 'y', 5]])
})

test('the shipped JSON Schema accepts the documented example and refuses what the checker refuses', async () => {
  const { readFileSync } = await import('node:fs')
  const { default: Ajv2020 } = await import('ajv/dist/2020.js')
  const schema = JSON.parse(readFileSync(new URL('../../../schema/flags.schema.json', import.meta.url), 'utf8'))
  const validate = new (Ajv2020 as unknown as new (o: object) => { compile(s: object): (d: unknown) => boolean })({ strict: false }).compile(schema)
  const example = {
    version: '2026-12-02',
    flags: {
      'new-search': { rollout: { percentage: 10, groupId: 'search' }, rules: [{ when: [{ attribute: 'country', op: 'in', values: ['SE'] }] }] },
      checkout: { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 50, payload: 'red' }, { name: 'blue', weight: 50 }] },
    },
    holdouts: { global: { percentage: 5 } },
    experiments: { 'home-layout': { arms: [{ name: 'grid', weight: 1 }, { name: 'list', weight: 1 }], namespace: { name: 'home', range: [0, 0.5] }, holdout: 'global', sticky: true } },
  }
  assert.equal(validate(example), true)
  assert.doesNotThrow(() => checkConfig(example))
  for (const bad of [{ flags: { f: { rollout: '10' } } }, { flags: { f: { variants: [{ name: 'a', weight: -1 }] } } }, { flags: { f: { rules: [{ when: [{ op: 'like' }] }] } } }]) {
    assert.equal(validate(bad), false, JSON.stringify(bad))
    assert.throws(() => checkConfig(bad), { code: 'GRIDDLE_ERR_FLAGS_CONFIG' })
  }
})

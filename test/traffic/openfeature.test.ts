import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk'
import { createApp } from 'griddle'
import { GriddleProvider } from 'griddle/openfeature'

const SOURCE = {
  version: 'cfg-1',
  flags: {
    on: {},
    killed: { enabled: false },
    limit: { type: 'number', default: 10, value: 25 },
    color: { type: 'string', default: 'grey', variants: [{ name: 'red', weight: 1, payload: 'red' }, { name: 'blue', weight: 1, payload: 'blue' }] },
    layout: { type: 'json', default: { cols: 1 }, value: { cols: 3 } },
    se: { rules: [{ when: [{ attribute: 'country', op: 'equals', value: 'SE' }] }], rollout: 0 },
  },
}

test('the provider resolves every type with griddle\'s reasons, variants and the config version', async () => {
  const app = createApp({ flags: { source: SOURCE } })
  await OpenFeature.setProviderAndWait('griddle-test', new GriddleProvider(app.flags))
  const client = OpenFeature.getClient('griddle-test')
  const ctx = { targetingKey: 'user-1', country: 'SE' }
  const on = await client.getBooleanDetails('on', false, ctx)
  assert.deepEqual([on.value, on.reason, on.flagMetadata], [true, 'STATIC', { version: 'cfg-1' }])
  assert.deepEqual([(await client.getBooleanDetails('killed', true, ctx)).reason, (await client.getBooleanDetails('killed', true, ctx)).value], ['DISABLED', false])
  assert.deepEqual([(await client.getBooleanDetails('se', false, ctx)).reason, (await client.getBooleanDetails('se', false, { targetingKey: 'u', country: 'NO' })).reason], ['TARGETING_MATCH', 'DEFAULT'])
  assert.equal(await client.getNumberValue('limit', 0, ctx), 25)
  const color = await client.getStringDetails('color', 'none', ctx)
  assert.equal(color.reason, 'SPLIT')
  assert.equal(color.value, app.flags.evaluate('color', { unitKey: 'user-1' }).value)
  assert.equal(color.variant, color.value)
  assert.deepEqual(await client.getObjectValue('layout', {}, ctx), { cols: 3 })
})

test('errors: FLAG_NOT_FOUND with the caller\'s default, TYPE_MISMATCH, PARSE_ERROR', async () => {
  const app = createApp({ flags: { source: SOURCE } })
  await OpenFeature.setProviderAndWait('griddle-errors', new GriddleProvider(app.flags))
  const client = OpenFeature.getClient('griddle-errors')
  const missing = await client.getStringDetails('nope', 'mine', { targetingKey: 'u' })
  assert.deepEqual([missing.value, missing.reason, missing.errorCode], ['mine', 'ERROR', 'FLAG_NOT_FOUND'])
  const mismatch = await client.getNumberDetails('color', 7, { targetingKey: 'u' })
  assert.deepEqual([mismatch.value, mismatch.errorCode], [7, 'TYPE_MISMATCH'])
  const unleash = createApp({ flags: { source: { unleash: { features: [{ name: 'j', enabled: true, strategies: [], variants: [{ name: 'v', weight: 1000, payload: { type: 'json', value: '{not json' } }] }] } } } })
  await OpenFeature.setProviderAndWait('griddle-parse', new GriddleProvider(unleash.flags))
  const parse = await OpenFeature.getClient('griddle-parse').getObjectDetails('j', { d: 1 }, { targetingKey: 'u' })
  assert.deepEqual([parse.value, parse.errorCode], [{ d: 1 }, 'PARSE_ERROR'])
})

test('a reload emits PROVIDER_CONFIGURATION_CHANGED with the new version', async () => {
  const app = createApp({ flags: { source: SOURCE } })
  const provider = new GriddleProvider(app.flags)
  await OpenFeature.setProviderAndWait('griddle-events', provider)
  const seen: unknown[] = []
  OpenFeature.getClient('griddle-events').addHandler(ProviderEvents.ConfigurationChanged, (d) => seen.push(d?.metadata))
  await app.flags.load({ ...SOURCE, version: 'cfg-2' })
  const end = Date.now() + 2000
  while (seen.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
  assert.deepEqual(seen, [{ version: 'cfg-2' }])
  assert.equal((await OpenFeature.getClient('griddle-events').getBooleanDetails('on', false, { targetingKey: 'u' })).flagMetadata.version, 'cfg-2')
  await OpenFeature.close()
})

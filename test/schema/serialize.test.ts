import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileSerializer } from 'griddle'
import { request, withApp } from '../helpers/http.js'

const nasty = [
  '', 'plain', 'quote " and backslash \\', 'tab\tnewline\ncr\r', 'nul \u0000 and \u001f and \u007f',
  'line sep \u2028 para sep \u2029', 'é ü ñ 中文 😀', 'lone high \ud800 x', 'lone low \udc00', 'emoji half \ud83d',
  '</script><!--', '\b\f\v', 'x'.repeat(5000),
]

const schema = {
  type: 'object',
  properties: {
    s: { type: 'string' },
    n: { type: 'number' },
    i: { type: 'integer' },
    b: { type: 'boolean' },
    ns: { type: ['string', 'null'] },
    tags: { type: 'array', items: { type: 'string' } },
    grid: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
    child: {
      type: 'object',
      properties: { name: { type: 'string' }, deep: { type: 'object', properties: { v: { type: ['integer', 'null'] } } } },
    },
    list: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' }, v: { type: 'number' } }, required: ['k'] } },
  },
  required: ['s'],
} as const

function rand(seed: number): () => number {
  let a = seed
  return () => {
    a = (a * 1103515245 + 12345) & 0x7fffffff
    return a / 0x7fffffff
  }
}

function value(r: () => number): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const nums = [0, -0, 1, -1.5, 1e21, 1e-7, 123456789.123, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, 2 ** 53 + 2]
  const v: Record<string, unknown> = { s: pick(nasty) }
  if (r() < 0.8) v.n = pick(nums)
  if (r() < 0.8) v.i = pick([0, -7, 42, 2 ** 31, Number.MAX_SAFE_INTEGER, NaN, Infinity])
  if (r() < 0.8) v.b = r() < 0.5
  if (r() < 0.8) v.ns = r() < 0.5 ? null : pick(nasty)
  if (r() < 0.8) v.tags = Array.from({ length: Math.floor(r() * 4) }, () => pick(nasty))
  if (r() < 0.8) v.grid = Array.from({ length: Math.floor(r() * 3) }, () => Array.from({ length: Math.floor(r() * 3) }, () => pick(nums)))
  if (r() < 0.8) v.child = r() < 0.3 ? {} : { name: pick(nasty), deep: r() < 0.5 ? {} : { v: r() < 0.5 ? null : 5 } }
  if (r() < 0.8) v.list = Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.5 ? { k: pick(nasty) } : { k: pick(nasty), v: pick(nums) }))
  return v
}

test('a compiled serializer writes exactly what JSON.stringify writes for values that fit the schema', () => {
  const serialize = compileSerializer(schema, 'test')
  const r = rand(12345)
  for (let n = 0; n < 2000; n++) {
    const v = value(r)
    assert.equal(serialize(v), JSON.stringify(v), `value #${n}: ${JSON.stringify(v).slice(0, 200)}`)
  }
})

test('a compiled serializer keeps only the schema properties', () => {
  const serialize = compileSerializer(schema, 'test')
  const v = { s: 'x', password: 'secret', child: { name: 'c', extra: 1 } }
  assert.equal(serialize(v), JSON.stringify({ s: 'x', child: { name: 'c' } }))
})

test('top-level arrays, strings, numbers and nulls serialize like JSON.stringify', () => {
  const cases: Array<[object, unknown]> = [
    [{ type: 'array', items: { type: 'integer' } }, [1, 2, 3]],
    [{ type: 'array', items: { type: 'array', items: { type: 'string' } } }, [['a"b'], [], ['\u2028']]],
    [{ type: 'string' }, 'he said "hi"\n'],
    [{ type: 'number' }, NaN],
    [{ type: 'null' }, null],
    [{ type: 'boolean' }, false],
  ]
  for (const [s, v] of cases) assert.equal(compileSerializer(s, 'test')(v), JSON.stringify(v))
})

test('responses use the schema of their status: exact code, then 2xx, then default', async () => {
  const errors: unknown[] = []
  await withApp((app) => {
    app.onError((err) => errors.push(err))
    const response = {
      200: { type: 'object', properties: { a: { type: 'string' } } },
      '2xx': { type: 'object', properties: { b: { type: 'string' } } },
      default: { type: 'object', properties: { c: { type: 'string' } } },
    }
    const all = { a: 'A', b: 'B', c: 'C', secret: 'S' }
    app.get('/s/:code', { schema: { response } }, (req, reply) => reply.code(Number(req.params.code)) && all)
    app.get('/unfit', { schema: { response: { 200: { type: 'object', properties: { n: { type: 'number' } } } } } }, () => ({ n: 'not a number' }))
    app.get('/plain', () => ({ secret: 'kept', list: [1, null] }))
  }, async (port) => {
    assert.equal((await request(port, '/s/200')).text, '{"a":"A"}')
    assert.equal((await request(port, '/s/201')).text, '{"b":"B"}')
    assert.equal((await request(port, '/s/404')).text, '{"c":"C"}')
    const unfit = await request(port, '/unfit')
    assert.equal(unfit.status, 500)
    assert.deepEqual(unfit.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
    assert.equal((errors[0] as { code: string }).code, 'GRIDDLE_ERR_SERIALIZE')
    assert.equal((await request(port, '/plain')).text, '{"secret":"kept","list":[1,null]}')
  })
})

test('strings are quoted exactly as JSON.stringify quotes them: every UTF-16 unit, alone and between others, pairs, long and concatenated strings', () => {
  const serialize = compileSerializer({ type: 'object', properties: { s: { type: 'string' }, t: { type: 'array', items: { type: 'string' } } } }, 'test')
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c)
    for (const s of [ch, `a${ch}`, `${ch}"b\\`, `x${ch}y${ch}`]) {
      const v = { s, t: [s] }
      if (serialize(v) !== JSON.stringify(v)) assert.fail(`unit ${c.toString(16)}: ${serialize(v)} !== ${JSON.stringify(v)}`)
    }
  }
  const first = ['Zoë', 'Ada', '"q"']
  for (const s of ['\ud83d\ude00', 'a\ud83d\ude00"', 'x'.repeat(256) + '"', 'x'.repeat(257) + '"\\', `${first[0]} ${first[2]}`, `${first[1]}\\${'é'.repeat(300)}`]) {
    assert.equal(serialize({ s, t: [s, s] }), JSON.stringify({ s, t: [s, s] }))
  }
})

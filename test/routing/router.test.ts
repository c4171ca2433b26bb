import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router } from 'griddle'

function router(routes: Array<[string | string[], string]>, options = {}): Router<string> {
  const r = new Router<string>(options)
  for (const [method, pattern] of routes) r.add(method, pattern, `${method} ${pattern}`)
  return r
}

function hit(r: Router<string>, method: string, path: string): [string, Record<string, string>] | null {
  const m = r.find(method, path)
  return m === null ? null : [m.value, m.params]
}

test('static segments match exactly and nothing else', () => {
  const r = router([['GET', '/'], ['GET', '/users'], ['GET', '/users/list'], ['GET', '/use']])
  assert.deepEqual(hit(r, 'GET', '/'), ['GET /', {}])
  assert.deepEqual(hit(r, 'GET', '/users'), ['GET /users', {}])
  assert.deepEqual(hit(r, 'GET', '/users/list'), ['GET /users/list', {}])
  assert.deepEqual(hit(r, 'GET', '/use'), ['GET /use', {}])
  assert.equal(hit(r, 'GET', '/us'), null)
  assert.equal(hit(r, 'GET', '/users/'), null)
  assert.equal(hit(r, 'GET', '/users/lis'), null)
  assert.equal(hit(r, 'GET', '/userslist'), null)
})

test('add returns sequential route ids and routes() lists every method', () => {
  const r = new Router<number>()
  assert.equal(r.add('GET', '/a', 1), 0)
  assert.equal(r.add(['PUT', 'PATCH'], '/b/:id', 2), 1)
  assert.deepEqual(r.routes(), [
    { id: 0, method: 'GET', pattern: '/a' },
    { id: 1, method: 'PUT', pattern: '/b/:id' },
    { id: 1, method: 'PATCH', pattern: '/b/:id' },
  ])
  assert.equal(r.find('PATCH', '/b/7')?.id, 1)
})

test('parameters capture one segment and may be empty', () => {
  const r = router([['GET', '/users/:id'], ['GET', '/users/:id/posts/:post']])
  assert.deepEqual(hit(r, 'GET', '/users/42'), ['GET /users/:id', { id: '42' }])
  assert.deepEqual(hit(r, 'GET', '/users/42/posts/7'), ['GET /users/:id/posts/:post', { id: '42', post: '7' }])
  assert.deepEqual(hit(r, 'GET', '/users/'), ['GET /users/:id', { id: '' }])
  assert.equal(hit(r, 'GET', '/users/42/posts'), null)
})

test('several parameters in one segment split on their static separators', () => {
  const r = router([['GET', '/near/:lat-:lng'], ['GET', '/files/:name.:ext'], ['GET', '/docs/:file.json']])
  assert.deepEqual(hit(r, 'GET', '/near/51.5-0.12'), ['GET /near/:lat-:lng', { lat: '51.5', lng: '0.12' }])
  assert.deepEqual(hit(r, 'GET', '/files/archive.tar.gz'), ['GET /files/:name.:ext', { name: 'archive.tar', ext: 'gz' }])
  assert.deepEqual(hit(r, 'GET', '/docs/readme.json'), ['GET /docs/:file.json', { file: 'readme' }])
  assert.equal(hit(r, 'GET', '/docs/readme.xml'), null)
  assert.equal(hit(r, 'GET', '/near/51.5'), null)
})

test('a trailing wildcard captures the rest, possibly empty, as params["*"]', () => {
  const r = router([['GET', '/static/*'], ['GET', '/a*']])
  assert.deepEqual(hit(r, 'GET', '/static/css/site.css'), ['GET /static/*', { '*': 'css/site.css' }])
  assert.deepEqual(hit(r, 'GET', '/static/'), ['GET /static/*', { '*': '' }])
  assert.deepEqual(hit(r, 'GET', '/abc/d'), ['GET /a*', { '*': 'bc/d' }])
})

test('static beats parametric beats wildcard, with backtracking', () => {
  const r = router([
    ['GET', '/users/me'], ['GET', '/users/:id'], ['GET', '/users/*'],
    ['GET', '/a/b/c'], ['GET', '/a/:x/d'], ['GET', '/a/*'],
  ])
  assert.deepEqual(hit(r, 'GET', '/users/me'), ['GET /users/me', {}])
  assert.deepEqual(hit(r, 'GET', '/users/mee'), ['GET /users/:id', { id: 'mee' }])
  assert.deepEqual(hit(r, 'GET', '/users/me/x'), ['GET /users/*', { '*': 'me/x' }])
  // /a/b/d: the static branch b/c fails at the last segment; backtrack to :x.
  assert.deepEqual(hit(r, 'GET', '/a/b/d'), ['GET /a/:x/d', { x: 'b' }])
  assert.deepEqual(hit(r, 'GET', '/a/b/e'), ['GET /a/*', { '*': 'b/e' }])
})

test('query strings and fragments are ignored', () => {
  const r = router([['GET', '/users/:id']])
  assert.deepEqual(hit(r, 'GET', '/users/42?x=1&y=/z'), ['GET /users/:id', { id: '42' }])
  assert.deepEqual(hit(r, 'GET', '/users/42#top'), ['GET /users/:id', { id: '42' }])
  assert.deepEqual(hit(r, 'GET', '/users/4%3F2?x'), ['GET /users/:id', { id: '4?2' }])
})

test('parameters are percent-decoded, reserved characters included', () => {
  const r = router([['GET', '/users/:id'], ['GET', '/café/:x']])
  assert.deepEqual(hit(r, 'GET', '/users/caf%C3%A9'), ['GET /users/:id', { id: 'café' }])
  assert.deepEqual(hit(r, 'GET', '/users/a%2Fb'), ['GET /users/:id', { id: 'a/b' }])
  assert.deepEqual(hit(r, 'GET', '/users/100%25'), ['GET /users/:id', { id: '100%' }])
  assert.deepEqual(hit(r, 'GET', '/users/%F0%9F%98%80'), ['GET /users/:id', { id: '😀' }])
  assert.deepEqual(hit(r, 'GET', '/caf%C3%A9/1'), ['GET /café/:x', { x: '1' }])
})

test('paths with characters outside Latin-1 match routes with the same text', () => {
  const r = router([['GET', '/ñandú/€/:x'], ['GET', '/日本/:city']])
  assert.deepEqual(hit(r, 'GET', '/ñandú/€/1'), ['GET /ñandú/€/:x', { x: '1' }])
  assert.deepEqual(hit(r, 'GET', '/日本/東京'), ['GET /日本/:city', { city: '東京' }])
  assert.deepEqual(hit(r, 'GET', '/%E6%97%A5%E6%9C%AC/x'), ['GET /日本/:city', { city: 'x' }])
  assert.equal(hit(r, 'GET', '/日/x'), null)
})

test('a parameter longer than maxParamLength does not match', () => {
  const r = router([['GET', '/u/:id'], ['GET', '/f/:a.:b']], { maxParamLength: 5 })
  assert.deepEqual(hit(r, 'GET', '/u/12345'), ['GET /u/:id', { id: '12345' }])
  assert.equal(hit(r, 'GET', '/u/123456'), null)
  assert.deepEqual(hit(r, 'GET', '/u/%41%42%43%44%45'), ['GET /u/:id', { id: 'ABCDE' }])
  assert.equal(hit(r, 'GET', '/f/123456.x'), null)
  const d = router([['GET', '/u/:id']])
  assert.ok(hit(d, 'GET', '/u/' + 'x'.repeat(100)))
  assert.equal(hit(d, 'GET', '/u/' + 'x'.repeat(101)), null)
})

test('a route for one method never answers another, and any token is a method', () => {
  const r = router([['GET', '/a'], ['PURGE', '/a'], [['POST', 'DELETE'], '/b']])
  assert.deepEqual(hit(r, 'PURGE', '/a'), ['PURGE /a', {}])
  assert.equal(hit(r, 'POST', '/a'), null)
  assert.equal(hit(r, 'HEAD', '/a'), null)
  assert.equal(hit(r, 'get', '/a'), null)
  assert.equal(hit(r, 'GET', '/b'), null)
  assert.deepEqual(hit(r, 'DELETE', '/b'), ['POST,DELETE /b', {}])
  for (const m of ['HEAD', 'PUT', 'PATCH', 'OPTIONS', 'M-SEARCH']) {
    r.add(m, '/m', m)
    assert.equal(r.find(m, '/m')?.value, m)
  }
})

test('options: case-insensitive, trailing slash and duplicate slashes', () => {
  const ci = router([['GET', '/Users/:Name']], { caseSensitive: false })
  assert.deepEqual(hit(ci, 'GET', '/USERS/JoE'), ['GET /Users/:Name', { Name: 'JoE' }])
  const ts = router([['GET', '/a/b/']], { ignoreTrailingSlash: true })
  assert.ok(hit(ts, 'GET', '/a/b'))
  assert.ok(hit(ts, 'GET', '/a/b/'))
  const ds = router([['GET', '/a/b/*']], { ignoreDuplicateSlashes: true })
  assert.deepEqual(hit(ds, 'GET', '//a///b/c//d'), ['GET /a/b/*', { '*': 'c/d' }])
  const strict = router([['GET', '/a/b']])
  assert.equal(hit(strict, 'GET', '/a/b/'), null)
  assert.equal(hit(strict, 'GET', '//a/b'), null)
  assert.equal(hit(strict, 'GET', '/A/b'), null)
})

test('absolute-form request targets are reduced to their path', () => {
  const r = router([['GET', '/a/:x']])
  assert.deepEqual(hit(r, 'GET', 'http://example.com/a/1?q'), ['GET /a/:x', { x: '1' }])
  assert.equal(hit(r, 'GET', 'ftp://example.com/a/1'), null)
  assert.equal(hit(r, 'GET', 'a/1'), null)
  assert.equal(hit(r, 'GET', '*'), null)
  assert.equal(hit(r, 'GET', ''), null)
})

test('bad patterns give coded errors', () => {
  const r = new Router()
  const cases: Array<[string, string]> = [
    ['users', 'GRIDDLE_ERR_ROUTE_PATTERN'],
    ['', 'GRIDDLE_ERR_ROUTE_PATTERN'],
    ['/a/:', 'GRIDDLE_ERR_PARAM_NAME'],
    ['/a/:-:b', 'GRIDDLE_ERR_PARAM_NAME'],
    ['/a/:x/:x', 'GRIDDLE_ERR_DUPLICATE_PARAM'],
    ['/a/*/b', 'GRIDDLE_ERR_WILDCARD_POSITION'],
    ['/a/:id(\\d+)', 'GRIDDLE_ERR_ROUTE_PATTERN'],
    ['/a\nb', 'GRIDDLE_ERR_ROUTE_PATTERN'],
    ['/' + Array.from({ length: 40 }, (_, i) => `:p${i}`).join('/'), 'GRIDDLE_ERR_TOO_MANY_PARAMS'],
  ]
  for (const [pattern, code] of cases) {
    assert.throws(() => r.add('GET', pattern, 1), { code }, pattern)
  }
  assert.throws(() => r.add('GET', 42 as unknown as string, 1), { code: 'GRIDDLE_ERR_ROUTE_PATTERN' })
  assert.throws(() => r.add('GE T', '/x', 1), { code: 'GRIDDLE_ERR_METHOD' })
  assert.throws(() => r.add([], '/x', 1), { code: 'GRIDDLE_ERR_METHOD' })
  assert.throws(() => new Router({ maxParamLength: -1 }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
  assert.throws(() => new Router({ caseSensitive: 'no' as unknown as boolean }), { code: 'GRIDDLE_ERR_INVALID_OPTION' })
})

test('the same method and pattern twice is a conflict, whatever the parameter names', () => {
  const r = new Router()
  r.add('GET', '/users/:id', 1)
  assert.throws(() => r.add('GET', '/users/:id', 2), { code: 'GRIDDLE_ERR_ROUTE_CONFLICT' })
  assert.throws(() => r.add('GET', '/users/:name', 2), { code: 'GRIDDLE_ERR_ROUTE_CONFLICT' })
  // A conflict on one method of several adds nothing.
  assert.throws(() => r.add(['POST', 'GET'], '/users/:id', 3), { code: 'GRIDDLE_ERR_ROUTE_CONFLICT' })
  assert.equal(r.find('POST', '/users/1'), null)
  r.add('POST', '/users/:id', 4)
  assert.equal(r.find('POST', '/users/1')?.value, 4)
  const ts = new Router({ ignoreTrailingSlash: true })
  ts.add('GET', '/a', 1)
  assert.throws(() => ts.add('GET', '/a/', 2), { code: 'GRIDDLE_ERR_ROUTE_CONFLICT' })
})

test('find never throws on hostile paths and rejects non-strings with a coded error', () => {
  const r = router([['GET', '/a/:x'], ['GET', '/w/*'], ['GET', '/f/:a.:b']])
  const hostile = [
    '/a/%', '/a/%2', '/a/%zz', '/a/%C3', '/a/%C3%28', '/a/%ED%A0%80', '/a/%F8%88%80%80%80', '/a/%C0%80',
    '/a/\u0000\u0001\r\n', '/w/\uD800', '/f/\n.\n', '/' + 'a/'.repeat(32768), '/w/' + '%41'.repeat(20000),
    '/a/' + 'x'.repeat(65536), '/f/' + 'a.'.repeat(30000), '//', '/?', '/#', '?', '#',
  ]
  for (const path of hostile) {
    const m = r.find('GET', path)
    assert.ok(m === null || typeof m.value === 'string', JSON.stringify(path.slice(0, 40)))
  }
  assert.deepEqual(hit(r, 'GET', '/w/' + '%41'.repeat(20000)), ['GET /w/*', { '*': 'A'.repeat(20000) }])
  assert.equal(hit(r, 'GET', '/a/%zz'), null)
  assert.equal(hit(r, 'GET', '/a/%C3%28'), null)
  assert.throws(() => r.find('GET', 42 as unknown as string), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => r.find('GET', undefined as unknown as string), { code: 'GRIDDLE_ERR_INVALID_ARG' })
  assert.throws(() => r.find(1 as unknown as string, '/a/1'), { code: 'GRIDDLE_ERR_INVALID_ARG' })
})

test('a table of 5,000 routes finds every route with its parameters', () => {
  const r = new Router<number>()
  for (let i = 0; i < 5000; i++) {
    const kind = i % 4
    const pattern = kind === 0 ? `/s${i}/static`
      : kind === 1 ? `/p${i}/:id`
        : kind === 2 ? `/api/v${i % 7}/r${i}/:a/x/:b`
          : `/w${i}/*`
    r.add(i % 3 === 0 ? 'POST' : 'GET', pattern, i)
  }
  for (let i = 0; i < 5000; i++) {
    const kind = i % 4
    const method = i % 3 === 0 ? 'POST' : 'GET'
    const path = kind === 0 ? `/s${i}/static` : kind === 1 ? `/p${i}/v${i}` : kind === 2 ? `/api/v${i % 7}/r${i}/A${i}/x/B` : `/w${i}/t/${i}`
    const m = r.find(method, path)
    assert.equal(m?.value, i, path)
    const want = kind === 0 ? {} : kind === 1 ? { id: `v${i}` } : kind === 2 ? { a: `A${i}`, b: 'B' } : { '*': `t/${i}` }
    assert.deepEqual(m?.params, want)
    assert.equal(r.find(method === 'GET' ? 'POST' : 'GET', path), null)
  }
  assert.equal(r.routes().length, 5000)
})

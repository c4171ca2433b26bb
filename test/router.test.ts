import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Router } from 'griddle'

test('router finds static, parametric and wildcard routes', () => {
  const r = new Router<string>()
  r.add('GET', '/users/me', 'me')
  r.add('GET', '/users/:id', 'user')
  r.add('GET', '/static/*', 'static')
  assert.deepEqual(r.find('GET', '/users/me'), { value: 'me', params: {}, id: 0 })
  assert.deepEqual(r.find('GET', '/users/42'), { value: 'user', params: { id: '42' }, id: 1 })
  assert.deepEqual(r.find('GET', '/static/a/b'), { value: 'static', params: { '*': 'a/b' }, id: 2 })
  assert.equal(r.find('GET', '/nope'), null)
})

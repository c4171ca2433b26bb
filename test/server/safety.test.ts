import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import type { Request } from 'griddle'
import { raw, request, sleep, withApp } from '../helpers/http.js'

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode: status, code: 'APP_CODE' })
}

test('a thrown error with a 4xx/5xx statusCode answers with it; anything else is a generic 500 reported through onError', async () => {
  const reported: Array<[unknown, Request | null]> = []
  await withApp((app) => {
    app.onError((err, req) => reported.push([err, req]))
    app.get('/teapot', () => { throw httpError(418, 'short and stout') })
    app.get('/busy', async () => { throw httpError(503, 'maintenance') })
    app.get('/bug', () => { throw new Error('secret internal detail') })
    app.get('/async-bug', async () => { await sleep(1); throw new TypeError('also secret') })
    app.get('/string', () => { throw 'not even an error' })
    app.get('/odd-status', () => { throw httpError(302, 'no') })
    app.get('/bad-then', () => ({ then() { throw new Error('then threw') } }))
  }, async (port) => {
    const teapot = await request(port, '/teapot')
    assert.equal(teapot.status, 418)
    assert.deepEqual(teapot.json(), { statusCode: 418, error: "I'm a Teapot", message: 'short and stout', code: 'APP_CODE' })
    assert.equal((await request(port, '/busy')).status, 503)
    for (const path of ['/bug', '/async-bug', '/string', '/odd-status', '/bad-then']) {
      const res = await request(port, path)
      assert.equal(res.status, 500, path)
      assert.deepEqual(res.json(), { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' })
      assert.doesNotMatch(res.text, /secret|stack|at /)
    }
    assert.equal(reported.length, 6)
    assert.equal((reported[1]![0] as Error).message, 'secret internal detail')
    assert.equal(reported[1]![1]!.path, '/bug')
  })
})

test('the default error reporter writes one line; a throwing reporter does not break the server', async () => {
  const lines: string[] = []
  const original = console.error
  console.error = (...args: unknown[]) => { lines.push(args.join(' ')) }
  try {
    await withApp((app) => { app.get('/bug', () => { throw new Error('multi\nline') }) }, async (port) => {
      assert.equal((await request(port, '/bug')).status, 500)
    })
  } finally {
    console.error = original
  }
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /^griddle: error on GET \/bug: Error: multi\\nline\\n +at /)
  await withApp((app) => {
    app.onError(() => { throw new Error('reporter failed') })
    app.get('/bug', () => { throw new Error('x') })
  }, async (port) => {
    assert.equal((await request(port, '/bug')).status, 500)
    assert.equal((await request(port, '/bug')).status, 500)
  })
})

test('a handler that outlives requestTimeoutMs gets 503, its signal aborts, and its late result is dropped', async () => {
  const reported: unknown[] = []
  let aborted = 0
  let lateDone = 0
  await withApp((app) => {
    app.onError((err) => reported.push(err))
    app.get('/never', () => new Promise(() => {}))
    app.get('/late', async (req, reply) => {
      req.signal.addEventListener('abort', () => aborted++)
      await sleep(300)
      // Writing after the timeout must be harmless.
      reply.code(200).header('x-late', '1')
      lateDone++
      return { late: true }
    })
    app.get('/late-throw', async () => { await sleep(300); throw new Error('late failure') })
    app.get('/fast', async () => 'fast')
  }, async (port) => {
    const never = await request(port, '/never')
    assert.equal(never.status, 503)
    assert.equal((never.json() as { code: string }).code, 'GRIDDLE_ERR_HANDLER_TIMEOUT')
    const late = await request(port, '/late')
    assert.equal(late.status, 503)
    assert.equal(late.headers['x-late'], undefined)
    assert.equal((await request(port, '/late-throw')).status, 503)
    await sleep(400)
    assert.equal(lateDone, 1)
    assert.equal(aborted, 1)
    assert.equal((await request(port, '/fast')).text, 'fast')
    const codes = reported.map((e) => (e as { code?: string }).code ?? (e as Error).message)
    assert.deepEqual(codes.sort(), ['GRIDDLE_ERR_HANDLER_TIMEOUT', 'GRIDDLE_ERR_HANDLER_TIMEOUT', 'GRIDDLE_ERR_HANDLER_TIMEOUT', 'late failure'].sort())
  }, { requestTimeoutMs: 100 })
})

test('a body that stops arriving gets 408 and the connection closes', async () => {
  await withApp((app) => { app.post('/upload', (req) => String((req.body as Buffer).length)) }, async (port) => {
    const res = await raw(port, 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part', 3000)
    assert.match(res.text, /^HTTP\/1\.1 408 /)
    assert.notEqual(res.end, 'timeout')
  }, { requestTimeoutMs: 150 })
})

function abandon(port: number, data: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(data)
      setTimeout(() => socket.destroy(), afterMs)
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve())
  })
}

test('thousands of connections abandoned mid-request leave the server serving, and aborted handlers see their signal', async () => {
  let started = 0
  let aborted = 0
  let finished = 0
  await withApp((app) => {
    app.get('/slow', async (req) => {
      started++
      // Waits for its client to leave (bounded): under load the client's
      // destroy can come later than any fixed sleep, so a fixed sleep would
      // let some handlers finish before their client left.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000)
        req.signal.addEventListener('abort', () => { aborted++; clearTimeout(timer); resolve() })
      })
      finished++
      return { ok: true }
    })
    app.post('/upload', (req) => (req.body as Buffer).length)
    app.get('/ok', () => 'ok')
    app.get('/slow-after', async () => { await sleep(30); return { ok: true } })
  }, async (port) => {
    const kinds = [
      'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /slo',
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial body',
      'GET /ok HTTP/1.1\r\nHost: x\r\n',
    ]
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 200 }, (_, i) => abandon(port, kinds[i % kinds.length]!, i % 3)))
      assert.equal((await request(port, '/ok')).text, 'ok')
    }
    for (let i = 0; i < 200 && finished < started; i++) await sleep(50)
    assert.ok(started > 0)
    assert.equal(started, finished)
    assert.equal(aborted, started, 'every slow handler whose client left saw its signal abort')
    const answers = await Promise.all(Array.from({ length: 50 }, () => request(port, '/slow-after')))
    assert.ok(answers.every((r) => r.status === 200))
  })
})

test('many slow handlers in flight at once all get their answers', async () => {
  await withApp((app) => {
    app.get('/slow/:n', async (req) => {
      await sleep(Number(req.params.n) % 40)
      return { n: Number(req.params.n) }
    })
  }, async (port) => {
    const res = await Promise.all(Array.from({ length: 300 }, (_, n) => request(port, `/slow/${n}`)))
    res.forEach((r, n) => assert.deepEqual(r.json(), { n }))
  })
})

test('a request pipelined behind an unanswered one makes uWS drop the connection; the handler sees the abort and the server keeps serving', async () => {
  let aborted = 0
  await withApp((app) => {
    app.get('/async', async (req) => {
      req.signal.addEventListener('abort', () => aborted++)
      await sleep(20)
      return 'later'
    })
    app.get('/ok', () => 'ok')
  }, async (port) => {
    const res = await raw(port, 'GET /async HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n', 500)
    assert.equal(res.text, '')
    await sleep(50)
    assert.equal(aborted, 1)
    assert.equal((await request(port, '/ok')).text, 'ok')
  })
})

// What reaches griddle through uWS, over real sockets: request heads, framing
// and methods that a client library would never send. Which uWS build answers
// what, and why some shapes are left to uWS: docs/transport.md.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { raw, request, withApp, type RawResult } from '../helpers/http.js'
import { DEFAULT_HEAD_LIMIT, HEAD_LIMIT_ENV, PINNED_PACKAGE, UWS_SOURCE } from '../../lib/uws.js'
import type { App } from 'griddle'

/** The uWS build the pinned package carries for Node 20 is older than the one for Node 22 and later. */
const NODE20_BUILD = Number(process.versions.modules) < 127
const older = (what: string): { skip: string | false } => ({ skip: NODE20_BUILD ? `the uWS build for Node 20 ${what} (docs/transport.md)` : false })
const newer = (what: string): { skip: string | false } => ({ skip: NODE20_BUILD ? false : `the uWS build for Node 22 and later ${what} (docs/transport.md)` })

/** Writes `parts` one by one, 30 ms apart (so each is its own read), and collects the answer. */
function rawParts(port: number, parts: Buffer[], waitMs = 1000): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let end: RawResult['end'] = 'closed'
    let i = 0
    const next = (): void => {
      if (i < parts.length && !socket.destroyed) socket.write(parts[i++]!, () => setTimeout(next, 30))
    }
    const timer = setTimeout(() => { end = 'timeout'; socket.destroy() }, waitMs)
    socket.on('connect', next)
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', () => { end = 'reset' })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ text: Buffer.concat(chunks).toString('latin1'), end })
    })
  })
}

function split(bytes: Buffer, pieces: number): Buffer[] {
  const size = Math.ceil(bytes.length / pieces)
  return Array.from({ length: pieces }, (_, k) => bytes.subarray(k * size, (k + 1) * size))
}

const status = (r: RawResult): number => Number(/^HTTP\/1\.1 (\d{3}) /.exec(r.text)?.[1] ?? 0)

function routes(app: App): void {
  app.get('/hello/:n', (req) => `hello ${req.params.n as string}`)
  app.get('/slow/:ms', async (req) => {
    await new Promise((r) => setTimeout(r, Number(req.params.ms)))
    return 'slow'
  })
  app.post('/echo', (req) => ({ body: String(req.body ?? '') }))
}

test('the pinned uWS package is the one loaded, with the request-head limit griddle sets', () => {
  assert.equal(UWS_SOURCE, process.env.GRIDDLE_UWS || PINNED_PACKAGE)
  assert.equal(process.env[HEAD_LIMIT_ENV], String(DEFAULT_HEAD_LIMIT))
})

test('a 4 KB cookie gets the same answer whether the head arrives in one read or three', async () => {
  await withApp(routes, async (port) => {
    const head = Buffer.from(`GET /hello/1 HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(4100)}\r\n\r\n`)
    const one = await rawParts(port, [head], 500)
    assert.equal(status(one), 200)
    for (const pieces of [2, 3]) assert.equal(status(await rawParts(port, split(head, pieces), 500)), 200, `${pieces} reads`)
  })
})

test('a head over the limit gets 431 and a closed connection, in one read or three', older('serves a head of any size that arrives in one read'), async () => {
  await withApp(routes, async (port) => {
    const head = Buffer.from(`GET /hello/1 HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(DEFAULT_HEAD_LIMIT + 100)}\r\n\r\n`)
    for (const pieces of [1, 3]) {
      const res = await rawParts(port, split(head, pieces))
      assert.equal(status(res), 431, `${pieces} reads`)
      assert.equal(res.end, 'closed')
    }
    assert.equal((await request(port, '/hello/2')).text, 'hello 2')
  })
})

test('98 header lines are served; more get 431 and a closed connection', older('leaves more than 98 unanswered'), async () => {
  await withApp(routes, async (port) => {
    const lines = (n: number): string => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('')
    const ok = await raw(port, `GET /hello/1 HTTP/1.1\r\nHost: x\r\n${lines(97)}\r\n`, 300)
    assert.equal(status(ok), 200)
    const many = await raw(port, `GET /hello/1 HTTP/1.1\r\nHost: x\r\n${lines(98)}\r\n`)
    assert.equal(status(many), 431)
    assert.equal(many.end, 'closed')
  })
})

test('HTTP/1.0, TLS and HTTP/2 prefaces, and garbage get an error answer and a closed connection', async () => {
  await withApp(routes, async (port) => {
    const shapes: Array<[string, string | Buffer]> = [
      ['HTTP/1.0', 'GET /hello/1 HTTP/1.0\r\nHost: x\r\n\r\n'],
      ['a TLS ClientHello', Buffer.from('16030100a5010000a10303' + '00'.repeat(40), 'hex')],
      ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
      ['garbage after a request', 'GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n\u0001\u0002garbage /x HTTP/1.1\r\n\r\n'],
      ['an absolute-form target', 'GET http://x/hello/1 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ]
    for (const [what, bytes] of shapes) {
      const res = await raw(port, bytes)
      assert.ok(/ [45]\d\d /.test(res.text), `${what}: ${JSON.stringify(res.text.slice(0, 60))}`)
      assert.equal(res.end, 'closed', what)
    }
    assert.equal((await request(port, '/hello/2')).text, 'hello 2')
  })
})

test('a request without Host gets 400 and a closed connection', older('leaves it unanswered'), async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, 'GET /hello/1 HTTP/1.1\r\n\r\n')
    assert.equal(status(res), 400)
    assert.equal(res.end, 'closed')
  })
})

test('a request line preceded by an empty line gets an error answer and a closed connection', newer('leaves it unanswered'), async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, '\r\nGET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.ok(/ [45]\d\d /.test(res.text), JSON.stringify(res.text.slice(0, 60)))
    assert.equal(res.end, 'closed')
    assert.equal((await request(port, '/hello/2')).text, 'hello 2')
  })
})

test('a space before a header colon gets 400 and a closed connection', older('leaves it unanswered'), async () => {
  await withApp(routes, async (port) => {
    const res = await raw(port, 'GET /hello/1 HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n')
    assert.equal(status(res), 400)
    assert.equal(res.end, 'closed')
  })
})

test('transfer codings other than chunked get 501, and a non-lower-case chunked 400, with the connection closed', async () => {
  let ran = 0
  await withApp((app) => {
    routes(app)
    app.post('/count', () => ++ran)
  }, async (port) => {
    const cases: Array<[string, number]> = [['gzip', 501], ['xchunked', 501], ['gzip, chunked', 501], ['chunked, chunked', 501], ['chunked / chunked', 501], ['chunked / gzip', 501], ['CHUNKED', 400]]
    for (const [coding, expected] of cases) {
      for (const target of ['POST /count', 'GET /hello/1']) {
        const lines = coding.split(' / ').map((c) => `Transfer-Encoding: ${c}\r\n`).join('')
        const res = await raw(port, `${target} HTTP/1.1\r\nHost: x\r\n${lines}\r\n3\r\nabc\r\n0\r\n\r\n`)
        assert.equal(status(res), expected, `${target} with ${coding}`)
        assert.match(res.text, /"code":"GRIDDLE_ERR_(NOT_IMPLEMENTED|BAD_REQUEST)"/)
        assert.equal(res.end, 'closed', coding)
      }
    }
    assert.equal(ran, 0)
    const chunked = await raw(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 300)
    assert.equal(status(chunked), 200)
    assert.match(chunked.text, /\{"body":"abc"\}$/)
  })
})

test('Content-Length with Transfer-Encoding, and lengths that are not digits, get 400 from uWS and a closed connection', async () => {
  let ran = 0
  await withApp((app) => { app.post('/count', () => ++ran) }, async (port) => {
    const heads = [
      'Content-Length: 3\r\nTransfer-Encoding: chunked', 'Content-Length: -1', 'Content-Length: +3', 'Content-Length: 0x3',
    ]
    for (const head of heads) {
      const res = await raw(port, `POST /count HTTP/1.1\r\nHost: x\r\n${head}\r\n\r\nabc`)
      assert.equal(status(res), 400, head)
      assert.equal(res.end, 'closed', head)
    }
    assert.equal(ran, 0)
  })
})

test('a pipelined request behind a pending answer closes the connection; the server keeps serving', async () => {
  // uWS refuses to read a request while the previous one on the connection
  // is unanswered, and closes the socket with the earlier answers unsent
  // (docs/transport.md): griddle cannot answer these in order.
  await withApp(routes, async (port) => {
    const res = await raw(port, 'GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /slow/50 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/3 HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.notEqual(res.end, 'timeout')
    // Synchronous answers pipelined together are answered in order.
    const sync = await raw(port, 'GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello/3 HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    assert.deepEqual(sync.text.match(/hello \d/g), ['hello 1', 'hello 2', 'hello 3'])
    assert.equal((await request(port, '/slow/1')).text, 'slow')
  })
})

test('responses carry one Date, the server\'s, and no uWebSockets header; a handler may not set Date', async () => {
  await withApp((app) => {
    routes(app)
    app.onError(() => {})
    app.get('/date', (_req, reply) => { reply.header('date', 'Thu, 01 Jan 1970 00:00:00 GMT'); return 'd' })
    app.get('/mark', (_req, reply) => { reply.header('uWebSockets', 'mine'); return 'm' })
  }, async (port) => {
    const res = await raw(port, 'GET /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    assert.equal(res.text.match(/^date:/gim)?.length, 1)
    assert.doesNotMatch(res.text, /^uWebSockets:/im)
    const mark = await raw(port, 'GET /mark HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    assert.deepEqual(mark.text.match(/^uWebSockets:.*$/gim), ['uWebSockets: mine'])
    const date = await request(port, '/date')
    assert.equal(date.status, 500)
    assert.match(date.headers.date!, /GMT$/)
  })
})

test('routes for methods without a uWS register call, such as PURGE, are reachable; unknown methods get 404 or 405', async () => {
  await withApp((app) => {
    routes(app)
    app.route({ method: 'PURGE', path: '/cache/:key', handler: (req) => `purged ${req.params.key as string}` })
  }, async (port) => {
    const res = await raw(port, 'PURGE /cache/a HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    assert.equal(status(res), 200)
    assert.match(res.text, /purged a$/)
    const other = await raw(port, 'PROPFIND /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n', 300)
    assert.equal(status(other), 405)
    assert.match(other.text, /^Allow: GET, HEAD\r$/m)
    assert.equal(status(await raw(port, 'FOO /none HTTP/1.1\r\nHost: x\r\n\r\n', 300)), 404)
    assert.equal(status(await raw(port, 'PURGE /hello/1 HTTP/1.1\r\nHost: x\r\n\r\n', 300)), 405)
  })
})

test('a missing Host never reaches a handler; an empty one gets 400 on the Node 20 build and is served on later ones', async () => {
  let ran = 0
  await withApp((app) => { app.get('/h', () => { ran++; return 'ok' }) }, async (port) => {
    const missing = await raw(port, 'GET /h HTTP/1.1\r\n\r\n', 500)
    assert.equal(ran, 0)
    assert.ok(NODE20_BUILD ? missing.text === '' : status(missing) === 400, JSON.stringify(missing.text.slice(0, 40)))
    const empty = await raw(port, 'GET /h HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n')
    assert.equal(status(empty), NODE20_BUILD ? 400 : 200)
    assert.equal(ran, NODE20_BUILD ? 0 : 1)
    assert.equal(empty.end, 'closed')
  })
})

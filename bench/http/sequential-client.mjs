// A fixed number of GET requests, one at a time on one keep-alive connection,
// so that a server run under callgrind does exactly the same work on every
// run (no batching that depends on timing). Plain JavaScript: it drives the
// servers of any checkout, built or not.
//
//   node bench/http/sequential-client.mjs PORT COUNT [PATH_PREFIX] [DISTINCT]
//
// Paths cycle PATH_PREFIX + 1 … DISTINCT (default /users/, 1000), as the HTTP
// bench does. With SEQ_UNIT_HEADER=x-user (env), request i also carries
// `x-user: u<i>`, so that a unit-key split (a ramp, an experiment) is real.
// Exits 1 on a non-200 answer or a socket error.
import { connect } from 'node:net'

const [port, count, prefix = '/users/', distinct = '1000'] = process.argv.slice(2)
const total = Number(count)
const unit = process.env.SEQ_UNIT_HEADER
const lines = Array.from({ length: Number(distinct) },
  (_, i) => Buffer.from(`GET ${prefix}${i + 1} HTTP/1.1\r\nHost: x\r\n${unit ? `${unit}: u${i + 1}\r\n` : ''}\r\n`))

const socket = connect(Number(port), '127.0.0.1')
socket.setNoDelay(true)
let sent = 0
let done = 0
let buffered = Buffer.alloc(0)

function send() {
  socket.write(lines[sent % lines.length])
  sent++
}

// One answer: a head with Content-Length (uWS always sends it for end()).
function take() {
  const headEnd = buffered.indexOf('\r\n\r\n')
  if (headEnd < 0) return false
  const head = buffered.toString('latin1', 0, headEnd)
  if (!head.startsWith('HTTP/1.1 200')) {
    console.error(`answer ${done + 1}: ${head.split('\r\n')[0]}`)
    process.exit(1)
  }
  const m = /\r\ncontent-length: *(\d+)/i.exec(head)
  const length = m === null ? 0 : Number(m[1])
  if (buffered.length < headEnd + 4 + length) return false
  buffered = buffered.subarray(headEnd + 4 + length)
  return true
}

socket.on('error', (err) => { console.error(err.message); process.exit(1) })
socket.on('data', (chunk) => {
  buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
  while (take()) {
    if (++done === total) { socket.end(); return }
    send()
  }
})
socket.on('connect', send)

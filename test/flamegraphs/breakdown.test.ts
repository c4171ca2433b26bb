import { test } from 'node:test'
import assert from 'node:assert/strict'
import { breakdown, renderBreakdown } from '../../flamegraphs/breakdown.js'

const SCRIPT = `node 1 10.0:    1003009 cpu-clock:
\tffffffff8225a0d6 tcp_sendmsg_locked+0x46 ([kernel.kallsyms])
\t    7f61638dec1b JS:*onRequest file:///x/dist/lib/server/on-request.js:51:30+0x21b (/tmp/perf-7.map)

node 1 10.1:    1003009 cpu-clock:
\t            3e63 griddle::cache::getInto+0x173 (/x/build/Release/griddle.node)
\t            e217 griddle::JS_dispatch+0x2f7 (/x/build/Release/griddle.node)
\t    7f61638dec1b JS:*onRequest file:///x/dist/lib/server/on-request.js:51:30+0x21b (/tmp/perf-7.map)

node 1 10.2:    1003009 cpu-clock:
\t           d5517 __GI___geteuid+0x7 (/usr/lib/x86_64-linux-gnu/libc.so.6)

node 1 10.3:    1003009 cpu-clock:
\t          845d95 v8impl::FunctionCallbackWrapper::Invoke+0x55 (/usr/bin/node)
`

test('self time goes to the binary of the top frame', () => {
  const b = breakdown(SCRIPT)
  assert.equal(b.samples, 4)
  assert.deepEqual(Object.fromEntries(b.self.map((s) => [s.group, s.share])), {
    'kernel (TCP, epoll, scheduler)': 0.25,
    'griddle addon (C++)': 0.25,
    'libc and other libraries': 0.25,
    'node binary (V8, libuv, Node C++)': 0.25,
  })
})

test('a frame anywhere on the stack counts once per sample', () => {
  const on = Object.fromEntries(breakdown(SCRIPT).onStack.map((s) => [s.frame, s.share]))
  assert.equal(on['onRequest (lib/server/on-request)'], 0.5)
  assert.equal(on['griddle::JS_dispatch (route + cache probe)'], 0.25)
  assert.equal(on['kernel TCP send (tcp_sendmsg)'], 0.25)
  assert.match(renderBreakdown(breakdown(SCRIPT)), /\| griddle addon \(C\+\+\) \| 25\.0 % \|/)
})

/**
 * Where the samples of a native-mode run went, from `perf script` output:
 * self time by the binary the top frame lives in (kernel, the addon, uWS, V8
 * and Node, JIT-compiled JS, libc), and how often a few frames of the request
 * path are on the stack at all. Printed after a native run and quoted in
 * flamegraphs/README.md.
 */
import { readFileSync } from 'node:fs'

export const GROUPS: Array<[string, RegExp]> = [
  ['kernel (TCP, epoll, scheduler)', /\[kernel\.kallsyms\]|\[vdso\]/],
  ['griddle addon (C++)', /griddle\.node/],
  ['uWebSockets (C++)', /uws_.*\.node/],
  ['JIT-compiled JavaScript', /perf-\d+\.map/],
  ['node binary (V8, libuv, Node C++)', /\/node\)$|\/node$/],
  ['libc and other libraries', /\.so/],
]

export const FRAMES: Array<[string, RegExp]> = [
  ['onRequest (lib/server/on-request)', /JS:\S?onRequest /],
  ['griddle::JS_dispatch (route + cache probe)', /griddle::JS_dispatch/],
  ['uWS HTTP parser and handler call', /uWS::HttpParser|HttpContext/],
  ['kernel TCP send (tcp_sendmsg)', /tcp_sendmsg/],
  ['kernel TCP receive (tcp_recvmsg)', /tcp_recvmsg/],
  ['garbage collection (V8 Heap)', /v8::internal::Heap::|Scavenge|MarkCompact/],
]

export interface Breakdown {
  samples: number
  self: Array<{ group: string, share: number }>
  onStack: Array<{ frame: string, share: number }>
}

export function breakdown(perfScript: string): Breakdown {
  const blocks = perfScript.split(/\n\s*\n/).map((b) => b.split('\n').filter((l) => /^\s+[0-9a-f]+ /.test(l))).filter((f) => f.length > 0)
  const self = new Map<string, number>()
  const onStack = new Map<string, number>()
  for (const frames of blocks) {
    const top = frames[0]!
    const group = GROUPS.find(([, rx]) => rx.test(top))?.[0] ?? 'unknown'
    self.set(group, (self.get(group) ?? 0) + 1)
    const text = frames.join('\n')
    for (const [name, rx] of FRAMES) if (rx.test(text)) onStack.set(name, (onStack.get(name) ?? 0) + 1)
  }
  const n = blocks.length || 1
  return {
    samples: blocks.length,
    self: [...GROUPS.map(([g]) => g), 'unknown'].filter((g) => self.has(g)).map((group) => ({ group, share: self.get(group)! / n }))
      .sort((a, b) => b.share - a.share),
    onStack: FRAMES.map(([frame]) => ({ frame, share: (onStack.get(frame) ?? 0) / n })),
  }
}

export function renderBreakdown(b: Breakdown): string {
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`
  return [`${b.samples} samples on the server's CPU`, '', '| self time in | share |', '| --- | --- |',
    ...b.self.map((s) => `| ${s.group} | ${pct(s.share)} |`), '', '| on the stack | share of samples |', '| --- | --- |',
    ...b.onStack.map((s) => `| ${s.frame} | ${pct(s.share)} |`)].join('\n')
}

if (process.argv[1]?.endsWith('breakdown.js')) {
  const file = process.argv[2]
  if (file === undefined) {
    console.error('usage: node dist/flamegraphs/breakdown.js <run dir>/stacks.<pid>.out')
    process.exit(2)
  }
  console.log(renderBreakdown(breakdown(readFileSync(file, 'utf8'))))
}

/**
 * 0x's `--on-port` starts its command when the profiled process opens its
 * first libuv server; uWS listens with its own sockets, so that never
 * happens (DESIGN.md §7). A scenario calls this after uWS listens: a
 * throwaway `net` server on an ephemeral port fires the hook (0x closes it
 * at once). Outside 0x (FLAME_PORT_HOOK unset) it does nothing.
 */
import { createServer } from 'node:net'

export async function firePortHook(): Promise<void> {
  if (process.env.FLAME_PORT_HOOK !== '1') return
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  server.unref()
}

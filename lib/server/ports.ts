/** Port questions asked of node:net, since uWS only answers yes or no. */
import { createServer } from 'node:net'

/** Why `port` cannot be bound exclusively on `host`, or null when it can. */
export function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRINUSE' ? 'the port is in use' : err.message))
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(null)))
  })
}

/**
 * A free port. serve() needs one up front: uWS cannot share a port the kernel
 * chose (binding port 0 opts out of SO_REUSEPORT sharing on Linux).
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

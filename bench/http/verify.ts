/**
 * Before any timing: every server must give the same status, content type and
 * body bytes for the same paths, or the comparison is meaningless.
 */
import { request } from 'node:http'
import type { Scenario } from './scenarios.js'

export interface Answer {
  status: number
  contentType: string
  body: string
}

export function fetchAnswer(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** Answers for a sample of paths (first, last, and evenly spread ones). */
export async function sampleAnswers(port: number, paths: string[], samples = 16): Promise<Map<string, Answer>> {
  const out = new Map<string, Answer>()
  const step = Math.max(1, Math.floor(paths.length / samples))
  const picked = new Set([paths[paths.length - 1]!])
  for (let i = 0; i < paths.length; i += step) picked.add(paths[i]!)
  for (const p of picked) out.set(p, await fetchAnswer(port, p))
  return out
}

/** Returns a list of problems; empty when `got` matches the expectation and the reference. */
export function compareAnswers(
  scenario: Scenario,
  name: string,
  got: Map<string, Answer>,
  reference: Map<string, Answer> | undefined,
): string[] {
  const problems: string[] = []
  for (const [path, a] of got) {
    if (a.status !== scenario.expect.status) problems.push(`${name} ${path}: status ${a.status}, expected ${scenario.expect.status}`)
    if (a.contentType !== scenario.expect.contentType) {
      problems.push(`${name} ${path}: content-type "${a.contentType}", expected "${scenario.expect.contentType}"`)
    }
    const ref = reference?.get(path)
    if (ref && ref.body !== a.body) problems.push(`${name} ${path}: body differs from the reference\n  got:      ${a.body}\n  expected: ${ref.body}`)
  }
  return problems
}

/** The `--admin URL` flag of the commands that call a running server's admin listener. */
import { UsageError } from './command.js'

/** The admin listener's base URL, or a UsageError naming what is wrong with the flag. */
export function adminBase(admin: string | undefined): URL {
  if (admin === undefined) throw new UsageError('--admin URL is required')
  let base: URL
  try {
    base = new URL(admin)
  } catch {
    throw new UsageError(`--admin must be a URL such as http://127.0.0.1:9901, got "${admin}"`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UsageError(`--admin must be http or https, got ${base.protocol}`)
  return base
}

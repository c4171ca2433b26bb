/** Each ref checked out in its own git worktree under a temp dir, installed and built there. */
import { capture } from '../http/procs.js'
import { join } from 'node:path'

export interface Checkout {
  label: string
  ref: string
  commit: string
  dir: string
}

/** Runs a command in cwd, returns stdout; rejects with the tail of its output. */
export function sh(cmd: string, args: string[], cwd: string, timeoutMs = 20 * 60_000, shell = false): Promise<string> {
  return capture(cmd, args, timeoutMs, { cwd, shell })
}

export async function resolveCommit(repo: string, ref: string): Promise<string> {
  try {
    return (await sh('git', ['rev-parse', '--verify', `${ref}^{commit}`], repo, 30_000)).trim()
  } catch {
    throw new Error(`"${ref}" is not a commit in ${repo} (a branch, tag or hash)`)
  }
}

export async function checkout(repo: string, ref: string, label: string, parent: string, build: string[], log: (m: string) => void): Promise<Checkout> {
  const commit = await resolveCommit(repo, ref)
  const dir = join(parent, label)
  log(`${label}: ${ref} (${commit.slice(0, 10)}): git worktree add`)
  await sh('git', ['worktree', 'add', '--detach', dir, commit], repo, 120_000)
  for (const step of build) {
    log(`${label}: ${step}`)
    await sh(step, [], dir, 20 * 60_000, true)
  }
  return { label, ref, commit, dir }
}

export async function removeCheckout(repo: string, c: Checkout): Promise<void> {
  await sh('git', ['worktree', 'remove', '--force', c.dir], repo, 120_000).catch(() => undefined)
}

export async function pruneWorktrees(repo: string): Promise<void> {
  await sh('git', ['worktree', 'prune'], repo, 60_000).catch(() => undefined)
}

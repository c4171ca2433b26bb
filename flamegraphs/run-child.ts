/** Child processes of a flame-graph run, with their output kept for error messages. */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'

export interface Child {
  proc: ChildProcess
  /** resolves with the exit code (or 128 + signal number) */
  exited: Promise<number>
  output: () => string
}

export function startChild(cmd: string, args: string[], opts: SpawnOptions, echo: boolean): Child {
  const proc = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-20_000)
    if (echo) process.stderr.write(d)
  }
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', keep)
  const exited = new Promise<number>((resolve, reject) => {
    proc.once('error', reject)
    proc.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128 + signalNumber(signal))))
  })
  return { proc, exited, output: () => out }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1
}

/** Resolves when `child` prints `READY <port>`; rejects if it exits first or takes over `ms`. */
export function whenReady(child: Child, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server was not ready in ${ms / 1000} s\n${child.output()}`)), ms)
    const onData = (): void => {
      if (/^READY \d+$/m.test(child.output())) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.proc.stdout!.on('data', onData)
    void child.exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (code ${code}) before it was ready\n${child.output()}`))
    })
  })
}

export async function mustSucceed(child: Child, what: string): Promise<void> {
  const code = await child.exited
  if (code !== 0) throw new Error(`${what} failed (exit ${code})\n${child.output()}`)
}

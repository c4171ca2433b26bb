/** What every `griddle` subcommand is: a name, its help, and a run function returning the exit code. */
export interface Io {
  out: (text: string) => void
  err: (text: string) => void
}

export interface Command {
  name: string
  /** one line for the command list */
  summary: string
  /** the full `--help` text */
  usage: string
  run: (argv: string[], io: Io) => Promise<number>
}

/** Bad flags or arguments: the dispatcher prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
}

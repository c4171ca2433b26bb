/**
 * `griddle <command>`: finds the command in the table and runs it. To add a
 * command: a module exporting a Command, and one row in COMMANDS.
 * Exit codes: 0 done, 1 the command failed, 2 unknown command or bad usage.
 */
import { UsageError, type Command, type Io } from './command.js'
import { profileCommand } from './profile-command.js'
import { reloadCommand } from './reload-command.js'
import { releasesCommand } from './releases-command.js'
import { startCommand } from './start-command.js'
import { tuneCommand } from './tune-command.js'

export const COMMANDS: Command[] = [tuneCommand, profileCommand, startCommand, reloadCommand, releasesCommand]

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return ['usage: griddle <command> [flags]', '', 'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '', 'griddle <command> --help shows the flags of one command.'].join('\n')
}

export async function dispatch(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    io.err(overview())
    return 2
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0])
    io.out(about?.usage ?? overview())
    return 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) {
    io.err(`griddle: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage)
    return 0
  }
  try {
    return await command.run(rest, io)
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`griddle ${name}: ${(err as Error).message}\n\n${command.usage}`)
      return 2
    }
    io.err(`griddle ${name}: ${(err as Error).message}`)
    return 1
  }
}

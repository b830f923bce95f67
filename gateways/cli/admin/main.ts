import { parseCommand, usageText } from './args.ts'
import { audit } from './audit.ts'
import { budgets } from './budgets.ts'
import { createApi } from './client.ts'
import type { Context, Group, Subcommand } from './command.ts'
import { configPath, readCliFile } from './config-file.ts'
import { CliError, EXIT, UsageError } from './exit-codes.ts'
import { exportCommand } from './export.ts'
import { keys } from './keys.ts'
import { loginCommand, logoutCommand } from './login.ts'
import { models } from './models.ts'
import { orgs } from './orgs.ts'
import type { Io } from './output.ts'
import { reliability } from './reliability.ts'
import { serviceAccounts } from './service-accounts.ts'
import { resolveSettings } from './settings.ts'
import { spend } from './spend.ts'
import { currentToken } from './tokens.ts'
import { usage } from './usage.ts'
import { users } from './users.ts'

// `aiaas <admin command> …`: the commands that call the REST API (docs/cli.md). Each resource's
// subcommands live in a file of their own; this file finds the one asked for, parses its flags,
// resolves endpoint and token, runs it, and turns a failure into its exit code.

type Env = Readonly<Record<string, string | undefined>>

/** A group (`keys create`) or a command of its own (`usage`). */
const COMMANDS: Readonly<Record<string, Group | Subcommand>> = {
  login: loginCommand,
  logout: logoutCommand,
  orgs,
  users,
  keys,
  budgets,
  models,
  'service-accounts': serviceAccounts,
  usage,
  spend,
  reliability,
  export: exportCommand,
  audit,
}

/** The admin commands, each with a line for `aiaas help`. */
export const ADMIN_COMMANDS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(COMMANDS).map(([name, command]) => [
    name,
    isSubcommand(command) ? command.about : Object.keys(command).join('|'),
  ]),
)

function isSubcommand(command: Group | Subcommand): command is Subcommand {
  return 'run' in command && typeof command.run === 'function'
}

export function isAdminCommand(name: string | undefined): boolean {
  return name !== undefined && Object.hasOwn(COMMANDS, name)
}

function groupUsage(name: string, group: Group): string {
  const lines = Object.entries(group).map(([sub, command]) => {
    const synopsis = [sub, ...(command.args ?? [])].join(' ')
    return `  ${synopsis.padEnd(36)} ${command.about}`
  })
  return `usage: aiaas ${name} <subcommand> [flags]\n\n${lines.join('\n')}\n\naiaas ${name} <subcommand> --help: its flags\n`
}

/** The subcommand argv names, and the argv left for its flags; a usage error if there is none. */
function find(
  name: string,
  argv: readonly string[],
): { command: Subcommand; synopsis: string; rest: readonly string[] } {
  const entry = COMMANDS[name]
  if (entry === undefined) throw new UsageError(`unknown command ${name}`)
  if (isSubcommand(entry)) return { command: entry, synopsis: `aiaas ${name}`, rest: argv }
  const [sub, ...rest] = argv
  const command = sub === undefined ? undefined : entry[sub]
  if (command === undefined || !Object.hasOwn(entry, sub ?? ''))
    throw new UsageError(
      sub === undefined || sub.startsWith('-')
        ? `aiaas ${name} needs a subcommand`
        : `unknown subcommand ${name} ${sub}`,
      groupUsage(name, entry),
    )
  return { command, synopsis: [`aiaas ${name} ${sub}`, ...(command.args ?? [])].join(' '), rest }
}

async function run(name: string, argv: readonly string[], env: Env, io: Io): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === 'help')) {
    const entry = COMMANDS[name]
    if (entry !== undefined && !isSubcommand(entry)) {
      io.out(groupUsage(name, entry))
      return EXIT.ok
    }
  }
  const { command, synopsis, rest } = find(name, argv)
  const usage = usageText(`${synopsis} [flags]`, command.about, command.options ?? {})
  const parsed = parseCommand(rest, command.options ?? {}, command.args ?? [], usage)
  if (parsed.global.help) {
    io.out(usage)
    return EXIT.ok
  }
  const path = configPath(env)
  const settings = resolveSettings(parsed.global, env, await readCliFile(path))
  const now = () => new Date()
  const ctx: Context = {
    io,
    settings,
    json: parsed.global.json,
    configPath: path,
    now,
    api: createApi(() => currentToken({ settings, configPath: path, now }), {
      idempotencyKey: parsed.global.idempotencyKey,
      onReplay: () => io.err('replayed: the answer stored for this Idempotency-Key; nothing ran again\n'),
    }),
  }
  return command.run(ctx, parsed.values, parsed.positionals)
}

/** Runs `aiaas <name> <argv>`; a failure is reported on stderr and becomes its exit code. */
export async function runAdminCommand(
  name: string,
  argv: readonly string[],
  env: Env,
  io: Io,
): Promise<number> {
  try {
    return await run(name, argv, env, io)
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    io.err(`aiaas: ${error.message}\n`)
    if (error instanceof UsageError && error.usage) io.err(`\n${error.usage}`)
    return error.code
  }
}

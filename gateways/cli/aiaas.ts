#!/usr/bin/env node
import { type Config, ConfigError, loadConfig } from '../../infra/config/config.ts'
import type { Running } from '../processes/runtime.ts'
import { isRemoteAudit } from './admin/audit.ts'
import { ADMIN_COMMANDS, isAdminCommand, runAdminCommand } from './admin/main.ts'
import { processIo } from './admin/output.ts'

// `aiaas <command>`: one entry for every process (ARCHITECTURE.md). Long-running commands stop
// cleanly on SIGINT/SIGTERM. Each command's modules are imported when it runs: an admin command
// (an HTTP client) then starts in a fraction of the time that loading every server takes.
const separate = () => import('../processes/separate.ts')
const workers = () => import('../processes/workers.ts')
const processes: Record<string, { about: string; start: (config: Config) => Promise<Running> }> = {
  dev: {
    about: 'everything embedded in one process (PGlite, in-process adapters, echo model)',
    start: async (config) => (await import('../processes/dev.ts')).startDev(config),
  },
  router: {
    about: 'the OpenAI-compatible gateway (PORT)',
    start: async (config) => (await separate()).startRouter(config),
  },
  identity: {
    about: 'the admin API (AIAAS_IDENTITY_PORT)',
    start: async (config) => (await separate()).startIdentity(config),
  },
  analytics: {
    about: 'the analytics API (AIAAS_ANALYTICS_PORT)',
    start: async (config) => (await separate()).startAnalytics(config),
  },
  projector: {
    about: 'builds the read models from the event log',
    start: async (config) => (await workers()).startProjector(config),
  },
  ingest: {
    about: 'consumes usage events into analytics storage',
    start: async (config) => (await workers()).startIngest(config),
  },
  'audit-forwarder': {
    about: 'forwards the event log to Kafka (AIAAS_AUDIT_TOPIC)',
    start: async (config) => (await workers()).startAuditForwarder(config),
  },
  'mock-model': {
    about: 'the built-in echo model as a separate backend',
    start: async (config) => (await separate()).startMockModel(config),
  },
  reconciler: {
    about: 'applies the tenants repository every AIAAS_RECONCILER_INTERVAL_MS',
    start: async (config) => (await import('../processes/reconciler.ts')).startReconciler(config),
  },
}

async function usage(): Promise<string> {
  const { SECRETS_SUBCOMMANDS } = await import('../processes/secrets.ts')
  const { PROJECTIONS_SUBCOMMANDS } = await import('../processes/projections.ts')
  const { AUDIT_SUBCOMMANDS } = await import('../processes/audit.ts')
  const lines = Object.entries(processes).map(([name, p]) => `  ${name.padEnd(16)}${p.about}`)
  lines.push(`  ${'migrate'.padEnd(16)}applies database migrations and exits`)
  lines.push(`  ${'reconcile'.padEnd(16)}plans or applies the tenants repository once (--plan|--apply)`)
  for (const [name, what] of Object.entries(SECRETS_SUBCOMMANDS))
    lines.push(`  ${`secrets ${name}`.padEnd(15)} ${what}`)
  for (const [name, what] of Object.entries(PROJECTIONS_SUBCOMMANDS))
    lines.push(`  ${`projections ${name}`.padEnd(15)} ${what}`)
  for (const [name, what] of Object.entries(AUDIT_SUBCOMMANDS))
    lines.push(`  ${`audit ${name}`.padEnd(15)} ${what}`)
  lines.push('', 'admin commands, over the REST API (docs/cli.md; `aiaas <command> --help`):')
  for (const [name, what] of Object.entries(ADMIN_COMMANDS))
    if (name !== 'audit') lines.push(`  ${name.padEnd(21)} ${what}`)
  lines.push(`  ${'audit export'.padEnd(21)} streams the event log through the admin API`)
  lines.push(`  ${'audit verify --remote'.padEnd(21)} asks the admin API to verify the chain`)
  return `usage: aiaas <command>\n\n${lines.join('\n')}\n`
}

async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0]
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(await usage())
    return command === undefined ? 2 : 0
  }
  // Admin commands are API clients: they read their own settings (docs/cli.md), not the server's.
  // `audit` is both: `audit export` and `audit verify --remote` go to the API, the rest stays local.
  if (command === 'audit' ? isRemoteAudit(argv.slice(1)) : isAdminCommand(command))
    return runAdminCommand(command, argv.slice(1), process.env, processIo(process.env))
  const config = loadConfig()
  if (command === 'migrate') {
    const applied = await (await workers()).runMigrate(config)
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n')
    return 0
  }
  const rest = argv.slice(1)
  if (command === 'secrets') return (await import('../processes/secrets.ts')).runSecretsCommand(config, rest)
  if (command === 'projections')
    return (await import('../processes/projections.ts')).runProjectionsCommand(config, rest)
  if (command === 'audit') return (await import('../processes/audit.ts')).runAuditCommand(config, rest)
  if (command === 'reconcile')
    return (await import('../processes/reconcile-command.ts')).runReconcileCommand(config, rest)
  const target = processes[command]
  if (!target) {
    process.stderr.write(`aiaas: unknown command ${command}\n\n${await usage()}`)
    return 2
  }
  const running = await target.start(config)
  if (running.url) process.stdout.write(`aiaas ${command} listening on ${running.url}\n`)
  for (const note of running.notes ?? []) process.stdout.write(`${note}\n`)
  await new Promise<void>((resolve) => {
    const stop = () => {
      running.stop().then(resolve, resolve)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error)
    process.stderr.write(`aiaas: ${message}\n`)
    process.exit(1)
  },
)

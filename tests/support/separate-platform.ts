import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { createDatabase } from './fresh-database.ts'
import { CLI, freePort, type Proc, startAiaas, waitForHttp } from './processes.ts'

// Where each `aiaas <command>` listens, and the path that answers once it is ready. The ports are
// in the environment every process shares, as production sets them (the router finds the mock
// model by AIAAS_MOCK_MODEL_PORT), except the metrics port, which is each process's own.
const LISTENS = {
  identity: { port: 'AIAAS_IDENTITY_PORT', ready: '/admin/v1/status/healthz' },
  analytics: { port: 'AIAAS_ANALYTICS_PORT', ready: '/analytics/v1/status/healthz' },
  router: { port: 'PORT', ready: '/v1/status/healthz' },
  'mock-model': { port: 'AIAAS_MOCK_MODEL_PORT', ready: '/metrics' },
  projector: { port: 'AIAAS_METRICS_PORT', ready: '/metrics' },
  ingest: { port: 'AIAAS_METRICS_PORT', ready: '/metrics' },
  'audit-forwarder': { port: 'AIAAS_METRICS_PORT', ready: '/metrics' },
} as const
const OWN_PORT = 'AIAAS_METRICS_PORT'

export type AiaasCommand = keyof typeof LISTENS

export interface SeparatePlatform {
  readonly databaseUrl: string
  readonly adminToken: string
  /** What `aiaas migrate` printed. */
  readonly migrated: string
  /** http://127.0.0.1:<port> of a started command. */
  url(command: AiaasCommand): string
  /** Stops the processes, drops the database and removes the data directory. */
  stop(): Promise<void>
}

/**
 * The platform as production runs it: a fresh PostgreSQL database migrated by `aiaas migrate`,
 * then each command as its own process, resolved once every one answers. `env` adds to the
 * environment they share (a KEK, a queue name); on a failed start, what was started is stopped.
 */
export async function startSeparatePlatform(options: {
  name: string
  commands: readonly AiaasCommand[]
  env?: Record<string, string>
  /** Ports chosen by the caller (its `env` names another process's address); the rest are free ones. */
  ports?: Partial<Record<AiaasCommand, number>>
}): Promise<SeparatePlatform> {
  const database = await createDatabase(`e2e_${options.name}`)
  const dataDir = join(tmpdir(), `aiaas-e2e-${options.name}-${randomBytes(4).toString('hex')}`)
  const adminToken = `e2e-admin-${randomBytes(12).toString('hex')}`
  const procs: Proc[] = []
  const ports = await Promise.all(options.commands.map((command) => options.ports?.[command] ?? freePort()))
  const portOf = (command: AiaasCommand) => {
    const port = ports[options.commands.indexOf(command)]
    if (port === undefined) throw new Error(`aiaas ${command} was not started`)
    return port
  }
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()))
    await database.drop()
    await rm(dataDir, { recursive: true, force: true })
  }
  const env: Record<string, string> = {
    AIAAS_DATABASE_URL: database.url,
    AIAAS_ADMIN_TOKEN: adminToken,
    AIAAS_DATA_DIR: dataDir,
    ...options.env,
  }
  for (const command of options.commands) {
    const { port } = LISTENS[command]
    if (port !== OWN_PORT) env[port] = String(portOf(command))
  }
  const url = (command: AiaasCommand) => `http://127.0.0.1:${portOf(command)}`
  try {
    const migrated = spawnSync(process.execPath, [CLI, 'migrate'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    })
    expect(migrated.status, migrated.stderr).toBe(0)
    const start = (command: AiaasCommand) => {
      const own = LISTENS[command].port === OWN_PORT ? { [OWN_PORT]: String(portOf(command)) } : {}
      const proc = startAiaas(command, { ...env, ...own })
      procs.push(proc)
      return waitForHttp(`${url(command)}${LISTENS[command].ready}`, proc)
    }
    await Promise.all(options.commands.map(start))
    return { databaseUrl: database.url, adminToken, migrated: migrated.stdout, url, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

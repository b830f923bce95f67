import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './ports.ts'

// A throwaway PostgreSQL cluster in a temporary directory, for tests that must change what a
// shared server cannot: the 64-bit transaction id (xid8 = epoch * 2^32 + xid), moved with
// pg_resetwal. Uses the binaries the services script installs (PostgreSQL 15 on Debian);
// AIAAS_PG_BIN points elsewhere.

const run = promisify(execFile)
const binDir = process.env.AIAAS_PG_BIN ?? '/usr/lib/postgresql/15/bin'
// initdb refuses to run as root: as root, the cluster belongs to the postgres user.
const asRoot = process.getuid?.() === 0

export interface ScratchCluster {
  /** postgres://aiaas@127.0.0.1:<port>/postgres (trust authentication, loopback only). */
  readonly url: string
  /** Stops the server cleanly, sets the transaction id epoch, starts it again. */
  setEpoch(epoch: number): Promise<void>
  /**
   * Sets the next transaction id to epoch * 2^32 + xid. Every row is frozen first: a 32-bit xid
   * moved past the rows' own would make them look written in the future (invisible). The pg_xact
   * segment holding the new id is created, zeroed, as the pg_resetwal manual says to.
   */
  setNextTransactionId(epoch: number, xid: number): Promise<void>
  /** Stops the server (immediately) and removes its directory; safe to call twice. */
  destroy(): Promise<void>
}

async function pg(tool: string, args: readonly string[]): Promise<string> {
  const file = join(binDir, tool)
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]]
  const { stdout } = await run(command, argv, { timeout: 60_000 })
  return stdout
}

// pg_xact stores 2 bits per transaction in 8 kB pages, 32 pages per segment file.
const XIDS_PER_SEGMENT = 4 * 8192 * 32

async function zeroedXactSegment(data: string, xid: number): Promise<void> {
  const name = Math.floor(xid / XIDS_PER_SEGMENT)
    .toString(16)
    .toUpperCase()
    .padStart(4, '0')
  const file = join(data, 'pg_xact', name)
  if (existsSync(file)) return
  await writeFile(file, Buffer.alloc(XIDS_PER_SEGMENT / 4))
  if (asRoot) await run('chown', ['postgres:', file])
}

export async function startScratchCluster(): Promise<ScratchCluster> {
  if (!existsSync(join(binDir, 'initdb'))) {
    throw new Error(`no PostgreSQL binaries in ${binDir}: run infra/services/services.sh or set AIAAS_PG_BIN`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-scratch-pg-'))
  const data = join(dir, 'data')
  let destroyed = false
  const destroy = async () => {
    if (destroyed) return
    destroyed = true
    if (existsSync(join(data, 'postmaster.pid'))) {
      await pg('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined)
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    if (asRoot) await run('chown', ['postgres:', dir])
    await pg('initdb', [
      '-D',
      data,
      '-U',
      'aiaas',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ])
    const port = await freePort()
    // Durability is not under test: no fsync keeps the restarts fast on a shared machine. No
    // autovacuum: its ANALYZE would take transaction ids the tests count on.
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c autovacuum=off`
    // -w: pg_ctl returns once the server accepts connections (it polls like pg_isready).
    const stop = () => pg('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'])
    const start = () =>
      pg('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60'])
    await start()
    return {
      url: `postgres://aiaas@127.0.0.1:${port}/postgres`,
      async setEpoch(epoch) {
        await stop()
        await pg('pg_resetwal', ['-e', String(epoch), data])
        await start()
      },
      async setNextTransactionId(epoch, xid) {
        await pg('vacuumdb', [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'aiaas',
          '--all',
          '--freeze',
          '--quiet',
        ])
        await stop()
        await pg('pg_resetwal', ['-e', String(epoch), '-x', String(xid), data])
        await zeroedXactSegment(data, xid)
        await start()
      },
      destroy,
    }
  } catch (error) {
    await destroy()
    throw error
  }
}

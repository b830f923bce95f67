import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Pool } from 'undici'
import { loadConfig } from '../../infra/config/config.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { createOrgAndKey } from '../support/walkthrough.ts'
import { summarize } from './cpu-profile.ts'
import { runLoad } from './measure.ts'
import { provision } from './router.bench.ts'

// `node tests/bench/profile-router.ts [production|embedded] [requests]`: the router under a
// closed-loop load of 32 connections, run with `--cpu-prof`, and the profile's top entries
// (docs/benchmarks.md keeps them before and after a change). Production: `aiaas router` on the real
// PostgreSQL, Redis and RabbitMQ in front of `aiaas mock-model`, a key with a monthly budget and an
// RPM limit; embedded: `aiaas dev` and its echo model, no budget. Logs at info, as in production.
// A measurement, not a test; the .cpuprofile file it names opens in Chrome's DevTools.

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
const BODY = JSON.stringify({
  model: 'echo',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hello there' }],
})
const ADMIN_TOKEN = `profile-admin-${randomBytes(8).toString('hex')}`

interface Target {
  router: Proc
  url: string
  key: string
  others: Proc[]
  cleanup: () => Promise<void>
}

async function production(profileDir: string, dataDir: string): Promise<Target> {
  const config = loadConfig()
  const database = `aiaas_profile_${randomBytes(4).toString('hex')}`
  const admin = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  await admin.query(`CREATE DATABASE ${database}`)
  const databaseUrl = Object.assign(new URL(config.AIAAS_DATABASE_URL), {
    pathname: `/${database}`,
  }).toString()
  const keys = await provision(databaseUrl)
  const [port, mockPort] = [await freePort(), await freePort()]
  const queue = `aiaas.usage.profile.${randomBytes(4).toString('hex')}`
  const env = {
    AIAAS_DATABASE_URL: databaseUrl,
    AIAAS_USAGE_QUEUE: queue,
    AIAAS_DATA_DIR: dataDir,
    AIAAS_DEFAULT_KEY_RPM: '100000000',
    AIAAS_MOCK_MODEL_PORT: String(mockPort),
    PORT: String(port),
    AIAAS_LOG_LEVEL: 'info',
  }
  const mock = startAiaas('mock-model', env)
  const router = startAiaas('router', { ...env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` })
  await waitForHttp(`http://127.0.0.1:${mockPort}/v1/models`, mock)
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(`${url}/v1/status/healthz`, router)
  const cleanup = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.close()
    await deleteUsageQueues(queue)
  }
  return { router, url, key: keys.budgeted, others: [mock], cleanup }
}

async function embedded(profileDir: string, dataDir: string): Promise<Target> {
  const port = await freePort()
  const router = startAiaas('dev', {
    PORT: String(port),
    AIAAS_DATA_DIR: dataDir,
    AIAAS_ADMIN_TOKEN: ADMIN_TOKEN,
    AIAAS_DEFAULT_KEY_RPM: '100000000',
    AIAAS_LOG_LEVEL: 'info',
    NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}`,
  })
  const url = `http://127.0.0.1:${port}`
  await waitForHttp(`${url}/v1/status/healthz`, router)
  const { key } = await createOrgAndKey({ admin: url, router: url, analytics: '', adminToken: ADMIN_TOKEN })
  return { router, url, key, others: [], cleanup: async () => {} }
}

async function main(): Promise<void> {
  const mode = process.argv[2] ?? 'production'
  const total = Number(process.argv[3] ?? 20_000)
  if (mode !== 'production' && mode !== 'embedded')
    throw new Error('usage: profile-router.ts [production|embedded] [requests]')
  const profileDir = await mkdtemp(join(tmpdir(), 'aiaas-profile-'))
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-profile-data-'))
  const target = await (mode === 'production' ? production : embedded)(profileDir, dataDir)
  const pool = new Pool(target.url, { connections: 32 })
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.key}` }
  try {
    const load = await runLoad({
      name: `${mode} router, 32 connections`,
      writers: 32,
      total,
      timeLimitMs: 60_000,
      op: async () => {
        const response = await pool.request({
          method: 'POST',
          path: '/v1/chat/completions',
          headers,
          body: BODY,
        })
        await response.body.dump()
        if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`)
      },
    })
    await pool.close()
    await target.router.stop()
    const [file] = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'))
    if (!file) throw new Error(`no profile written in ${profileDir}`)
    const summary = summarize(JSON.parse(await readFile(join(profileDir, file), 'utf8')), ROOT)
    console.log(JSON.stringify({ mode, load, profile: join(profileDir, file), ...summary }, null, 2))
    console.log(`\n${load.name}: ${load.ops} requests, ${load.ops_per_s}/s, p50 ${load.p50_ms} ms`)
    console.log('\nself time (% of busy)')
    console.table(summary.self)
    console.log('\ncharged to the outermost frame of the project or a package (% of busy)')
    console.table(summary.entry)
  } finally {
    await Promise.all([target.router, ...target.others].map((proc) => proc.stop()))
    await target.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  }
}

await main()

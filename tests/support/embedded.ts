import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startDev } from '../../gateways/processes/dev.ts'
import { loadConfig } from '../../infra/config/config.ts'
import { freePort } from './processes.ts'
import type { Endpoints } from './walkthrough.ts'

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789'

/** The embedded platform in this process, in a fresh data dir, on a free port. */
export async function startEmbedded(env: (port: number) => Record<string, string> = () => ({})) {
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-embedded-'))
  const port = await freePort()
  const platform = await startDev(
    loadConfig({
      PORT: String(port),
      AIAAS_DATA_DIR: dataDir,
      AIAAS_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      AIAAS_LOG_LEVEL: 'silent',
      ...env(port),
    }),
  )
  const base = `http://127.0.0.1:${port}`
  const endpoints: Endpoints = { admin: base, router: base, analytics: base, adminToken: TEST_ADMIN_TOKEN }
  return {
    base,
    endpoints,
    async stop() {
      await platform.stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

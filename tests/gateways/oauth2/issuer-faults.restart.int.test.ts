import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startDev } from '../../../gateways/processes/dev.ts'
import { loadConfig } from '../../../infra/config/config.ts'
import { CONSOLE_CLIENT_ID } from '../../../infra/oidc/clients.ts'
import { freePort } from '../../support/processes.ts'

// `aiaas dev` keeps the issuer's state in its PGlite (infra/oidc/sql-store.ts): a sign-in begun
// before a restart is still there after it, where the memory store would have lost it.
const stops: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const stop of stops.reverse()) await stop()
})

describe('the issuer of aiaas dev across a restart', () => {
  it('finds a sign-in begun before the restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-oidc-restart-'))
    stops.push(() => rm(dataDir, { recursive: true, force: true }))
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const start = () =>
      startDev(
        loadConfig({
          PORT: String(port),
          AIAAS_DATA_DIR: dataDir,
          AIAAS_ADMIN_TOKEN: 'oidc-restart-admin-token-0123456789',
          AIAAS_LOG_LEVEL: 'silent',
        }),
      )
    const first = await start()
    const verifier = randomBytes(32).toString('base64url')
    const authorize = new URL(`${base}/oauth2/auth`)
    authorize.search = new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${base}/console/callback`,
      scope: 'openid admin',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 's',
    }).toString()
    const begun = await fetch(authorize, { redirect: 'manual' })
    expect(begun.status).toBe(303)
    const page = new URL(String(begun.headers.get('location')), base)
    expect(page.pathname).toMatch(/^\/oauth2\/interaction\/[\w-]+$/)
    const cookie = begun.headers
      .getSetCookie()
      .map((set) => set.split(';')[0])
      .join('; ')
    const open = () => fetch(page, { headers: { cookie }, redirect: 'manual' })
    expect((await open()).status).toBe(200)

    await first.stop()
    const second = await start()
    stops.push(() => second.stop())
    const after = await open()
    expect(after.status).toBe(200)
    expect(await after.text()).toContain('<form')
  })
})

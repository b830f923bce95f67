import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runMigrate } from '../../gateways/processes/workers.ts'
import { signRequest } from '../../gateways/router/sign-request.ts'
import { loadConfig } from '../../infra/config/config.ts'
import { newKeyringText } from '../../infra/crypto/keyring.ts'
import { freshDatabase } from '../support/fresh-database.ts'
import { freePort, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { json } from '../support/walkthrough.ts'

// Request signing across two router processes on real PostgreSQL and Redis, with the identity API
// (which seals the signing secret under AIAAS_KEK) and the projector as separate processes: a
// signed request accepted by one router is a replay at the other (the nonce store is Redis,
// shared), and each router opens the secret with the same KEK.

async function startPlatform() {
  const { url } = await freshDatabase('signing')
  const dataDir = await mkdtemp(join(tmpdir(), 'aiaas-signing-'))
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
  const usageQueue = `aiaas.usage.signing.${randomBytes(4).toString('hex')}`
  onTestFinished(() => deleteUsageQueues(usageQueue))
  const [identity = 0, routerA = 0, routerB = 0, metrics = 0] = await Promise.all(
    [1, 2, 3, 4].map(() => freePort()),
  )
  const env = {
    AIAAS_DATABASE_URL: url,
    AIAAS_ADMIN_TOKEN: `signing-${randomBytes(12).toString('hex')}`,
    AIAAS_USAGE_QUEUE: usageQueue,
    AIAAS_IDENTITY_PORT: String(identity),
    AIAAS_METRICS_PORT: String(metrics),
    AIAAS_KEK: newKeyringText('e2e'),
  }
  await runMigrate(loadConfig({ ...env, AIAAS_LOG_LEVEL: 'silent' }))
  const start = (command: string, dir: string, extra: Record<string, string> = {}) => {
    const proc = startAiaas(command, { ...env, AIAAS_DATA_DIR: join(dataDir, dir), ...extra })
    onTestFinished(() => proc.stop())
    return proc
  }
  const router = (port: number, name: string) =>
    waitForHttp(`http://127.0.0.1:${port}/v1/status/healthz`, start('router', name, { PORT: String(port) }))
  await Promise.all([
    waitForHttp(`http://127.0.0.1:${metrics}/metrics`, start('projector', 'projector')),
    waitForHttp(`http://127.0.0.1:${identity}/admin/v1/status/healthz`, start('identity', 'identity')),
    router(routerA, 'router-a'),
    router(routerB, 'router-b'),
  ])
  return {
    admin: `http://127.0.0.1:${identity}/admin/v1`,
    adminToken: env.AIAAS_ADMIN_TOKEN,
    routers: [`http://127.0.0.1:${routerA}`, `http://127.0.0.1:${routerB}`] as const,
  }
}

type Platform = Awaited<ReturnType<typeof startPlatform>>

async function post(p: Platform, path: string, body: object) {
  const response = await fetch(`${p.admin}${path}`, {
    method: 'POST',
    headers: json(p.adminToken),
    body: JSON.stringify(body),
  })
  const answer = (await response.json()) as Record<string, string>
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`)
  return answer
}

/** GET `path` at a router with `key` and the given headers: its status and error code. */
async function get(router: string, path: string, key: string, headers: Record<string, string>) {
  const response = await fetch(`${router}${path}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
  })
  const body = (await response.json()) as { error?: { code: string } }
  return { status: response.status, code: body.error?.code ?? null }
}

describe('request signing across two router processes', () => {
  it('accepts a signed request once across both routers, and each opens the sealed secret', async () => {
    const p = await startPlatform()
    const [a, b] = p.routers
    const organization = await post(p, '/organizations', { name: 'Acme' })
    const issued = await post(p, '/api-keys', {
      organization_id: organization.id,
      name: 'signed',
      require_signature: true,
    })
    const key = issued.key ?? ''
    const secret = issued.signing_secret ?? ''
    const sign = (path: string) => signRequest({ secret, method: 'GET', path })

    const headers = sign('/v1/models?replica=a')
    expect(await get(a, '/v1/models?replica=a', key, headers)).toEqual({ status: 200, code: null })
    expect(await get(b, '/v1/models?replica=a', key, headers)).toEqual({
      status: 401,
      code: 'signature_replayed',
    })
    expect(await get(b, '/v1/models', key, {})).toEqual({ status: 401, code: 'signature_missing' })
    const atB = sign('/v1/models?replica=b')
    expect(await get(b, '/v1/models?replica=b', key, atB)).toEqual({ status: 200, code: null })
    expect(await get(a, '/v1/models?replica=b', key, atB)).toEqual({
      status: 401,
      code: 'signature_replayed',
    })
  })
})

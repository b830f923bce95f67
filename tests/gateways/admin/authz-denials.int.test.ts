import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { auth } from './admin-app.ts'
import { as, startAuthzApp } from './authz-app.ts'

// AccessDenied events on real PostgreSQL: many callers refused at once all append to the one
// stream of the day (expected version `any`, serialized by the store's per-stream lock), so every
// refusal is answered as refused, none fails, and the stream holds each one once, gap-free.

let db: Database
let dispose: () => Promise<void>
let admin: Awaited<ReturnType<typeof startAuthzApp>>
let foreignKey = ''

const stranger = (n: number): Subject => ({
  actor: `user:0190a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  kind: 'user',
  platform_admin: false,
  memberships: {},
})

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('denials')())
  admin = await startAuthzApp(db)
  const inject = (url: string, payload: object) =>
    admin.app.inject({ method: 'POST', url: `/admin/v1${url}`, headers: auth, payload })
  const org = (await inject('/organizations', { name: 'denials' })).json()
  foreignKey = (await inject('/api-keys', { organization_id: org.id, name: 'hidden' })).json().id
})
afterAll(async () => {
  await admin?.close()
  await dispose?.()
})

describe('denials recorded on PostgreSQL', () => {
  it('records every one of many simultaneous refusals once, in one gap-free stream', async () => {
    const callers = Array.from({ length: 12 }, (_, n) => stranger(n + 1))
    const refused = await Promise.all(
      callers.flatMap((caller) =>
        [1, 2, 3].map(() =>
          admin.app.inject({ method: 'GET', url: `/admin/v1/api-keys/${foreignKey}`, headers: as(caller) }),
        ),
      ),
    )
    expect(new Set(refused.map((response) => response.statusCode))).toEqual(new Set([404]))
    const ids = new Set(refused.map((response) => String(response.headers['x-request-id'])))
    // Read through the global log, which may hold a committed event back while another
    // transaction of the cluster runs (ADR 0002): wait until all 36 are readable.
    const recorded = async () =>
      (await admin.store.readAll({ after: 0n })).filter((event) => event.type === 'AccessDenied')
    await vi.waitFor(async () => expect((await recorded()).length).toBeGreaterThanOrEqual(36), {
      timeout: 10_000,
      interval: 50,
    })
    const denials = await recorded()
    expect(new Set(denials.map((event) => String(event.data.request_id)))).toEqual(ids)
    expect(denials).toHaveLength(36)
    // One stream per UTC day: a run across midnight fills two, each gap-free.
    for (const stream of new Set(denials.map((event) => event.stream))) {
      const versions = (await admin.store.readStream(stream)).map((event) => event.stream_version)
      expect(versions).toEqual([...Array(versions.length).keys()])
    }
  })
})

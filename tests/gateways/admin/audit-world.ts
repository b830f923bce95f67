import type { Subject } from '../../../domain/authorization/subject.ts'
import type { OrganizationRole } from '../../../domain/users/user.ts'
import { waitForCheckpoint } from '../../../infra/event-store/checkpoints.ts'
import { startSubscription } from '../../../infra/event-store/subscription.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { READ_MODELS } from '../../../projections/read-models.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { ADMIN_TOKEN } from './admin-app.ts'
import { as, startAuthzApp } from './authz-app.ts'

// The audit routes' tests on real PostgreSQL: the admin API with callers of the test's choosing
// (authz-app.ts), the chaining subscription running beside it as in the projector process, and
// organizations with a member, a key and a budget to audit.

export type AuditWorld = Awaited<ReturnType<typeof startAuditWorld>>

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

/** A person holding `role` in `organization_id` only. */
export const roleIn = (organization_id: string, role: OrganizationRole): Record<string, string> => {
  const subject: Subject = {
    actor: 'user:0190a000-0000-7000-8000-0000000000a1',
    kind: 'user',
    platform_admin: false,
    memberships: { [organization_id]: [role] },
  }
  return { ...as(subject) }
}

export async function startAuditWorld(prefix: string) {
  const { db, dispose } = await makePostgres(prefix)()
  // The setup's commands wait for their projection up to 60 s, not the API's 5: a long transaction of
  // another test file on the shared server holds the gap-free projector back (ADR 0002).
  const platform = await startAuthzApp(db, undefined, undefined, async (position) => {
    await waitForCheckpoint(db, READ_MODELS, position, 60_000)
  })
  const chain = startSubscription(db, platform.store, eventChainProjection, { idleMs: 20 })

  /** A request as `headers`; the raw answer (the export is not JSON). */
  async function get(url: string, headers: Record<string, string> = admin) {
    const response = await platform.app.inject({ method: 'GET', url: `/admin/v1${url}`, headers })
    return {
      status: response.statusCode,
      text: response.body,
      type: String(response.headers['content-type']),
    }
  }

  async function post(url: string, payload: object, method: 'POST' | 'PATCH' | 'PUT' = 'POST') {
    const answer = await platform.call(method, url, admin, payload)
    if (answer.status >= 300)
      throw new Error(`${method} ${url}: ${answer.status} ${JSON.stringify(answer.body)}`)
    return answer.body
  }

  /** An organization with a member, a key and a budget. */
  async function organization(label: string) {
    const org = await post('/organizations', { name: `audit ${label}` })
    const user = await post('/users', {
      email: `${label}-${org.id}@audit.test`,
      display_name: `Member ${label}`,
    })
    await post(`/organizations/${org.id}/members/${user.id}`, { roles: ['auditor'] }, 'PUT')
    const key = await post('/api-keys', { organization_id: org.id, name: `key ${label}` })
    const budget = await post('/budgets', {
      organization_id: org.id,
      limit_usd: '9',
      period: 'monthly',
      enforcement: 'hard',
    })
    return {
      organization_id: org.id as string,
      user_id: user.id as string,
      key_id: key.id as string,
      budget_id: budget.id as string,
    }
  }

  /** Waits until every event of the log is chained; 60 s is a generous bound on a shared server. */
  async function chained(): Promise<void> {
    const { rows } = await db.query<{ head: string | null }>(
      'SELECT max(global_position)::text AS head FROM events',
    )
    const head = BigInt(rows[0]?.head ?? '0')
    const deadline = Date.now() + 60_000
    while ((await chain.catchUp()) < head) {
      if (Date.now() > deadline) throw new Error(`the chain did not reach position ${head} in 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  return {
    db: db as Database,
    platform,
    get,
    post,
    organization,
    chained,
    async close() {
      await chain.stop()
      await platform.close()
      await dispose()
    },
  }
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AuditWorld, roleIn, startAuditWorld } from './audit-world.ts'

// GET /admin/v1/audit/organizations/{id}/state?at= on real PostgreSQL: the organization replayed
// from the log up to an instant. Between a budget's creation and its change the old limit shows,
// after it the new one; a key shows revoked only from its revocation on; no secret's hash shows.

let world: AuditWorld
let org: Awaited<ReturnType<AuditWorld['organization']>>
let other: Awaited<ReturnType<AuditWorld['organization']>>

beforeAll(async () => {
  world = await startAuditWorld('auditstate')
  org = await world.organization('s')
  other = await world.organization('t')
  await world.post(`/budgets/${org.budget_id}`, { limit_usd: '12' }, 'PATCH')
  await world.post(`/api-keys/${org.key_id}/revoke`, {})
}, 120_000)
afterAll(async () => {
  await world?.close()
})

/** When the event of `type` on `stream` was recorded, to the microsecond, as RFC 3339. */
async function recordedAt(stream: string, type: string): Promise<string> {
  const { rows } = await world.db.query<{ at: string }>(
    `SELECT to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
       FROM events WHERE stream = $1 AND type = $2`,
    [stream, type],
  )
  if (!rows[0]) throw new Error(`no ${type} on ${stream}`)
  return rows[0].at
}

const stateAt = async (at: string, headers?: Record<string, string>) => {
  const answer = await world.get(`/audit/organizations/${org.organization_id}/state?at=${at}`, headers)
  return { status: answer.status, body: JSON.parse(answer.text), text: answer.text }
}

describe('the state of an organization at an instant', () => {
  it('shows the budget and the key as they were before, between and after their changes', async () => {
    const budgetCreated = await recordedAt(`budget-${org.budget_id}`, 'BudgetCreated')
    const budgetChanged = await recordedAt(`budget-${org.budget_id}`, 'BudgetChanged')
    const keyRevoked = await recordedAt(`api_key-${org.key_id}`, 'ApiKeyRevoked')

    const before = await stateAt(budgetCreated)
    expect(before.status).toBe(200)
    expect(before.body.budgets).toEqual([
      expect.objectContaining({ budget_id: org.budget_id, limit_usd: '9.00' }),
    ])
    expect(before.body.api_keys).toEqual([
      expect.objectContaining({ api_key_id: org.key_id, status: 'active' }),
    ])
    expect(before.body.organization).toMatchObject({ organization_id: org.organization_id, status: 'active' })
    expect(before.body.users).toEqual([expect.objectContaining({ user_id: org.user_id, roles: ['auditor'] })])
    expect(before.body.role_bindings).toContainEqual({ subject: `user:${org.user_id}`, roles: ['auditor'] })

    const between = await stateAt(budgetChanged)
    expect(between.body.budgets[0].limit_usd).toBe('12.00')
    expect(between.body.api_keys[0]).toMatchObject({ status: 'active', revoked_at: null })

    const after = await stateAt(keyRevoked)
    expect(after.body.api_keys[0]).toMatchObject({ status: 'revoked' })
    expect(after.body.api_keys[0].revoked_at).toEqual(expect.any(String))
    // Nothing of the other organization, and no key hash.
    for (const id of Object.values(other)) expect(after.text).not.toContain(id)
    const { rows } = await world.db.query<{ hash: string }>(
      `SELECT data ->> 'key_hash' AS hash FROM events WHERE stream = $1 AND type = 'ApiKeyIssued'`,
      [`api_key-${org.key_id}`],
    )
    expect(after.text).not.toContain(rows[0]?.hash)
  })

  it('is 404 before the organization existed, and 400 for an instant in the future or a bad one', async () => {
    const early = await stateAt('2001-01-01T00:00:00Z')
    expect(early.status).toBe(404)
    expect(early.body.code).toBe('ORG_NOT_FOUND')
    const future = await stateAt(new Date(Date.now() + 3_600_000).toISOString())
    expect(future.status).toBe(400)
    expect(future.body.code).toBe('VALIDATION_FAILED')
    const bad = await world.get(`/audit/organizations/${org.organization_id}/state?at=tomorrow`)
    expect(bad.status).toBe(400)
    const missing = await world.get(`/audit/organizations/${org.organization_id}/state`)
    expect(missing.status).toBe(400)
  })

  it("is its own organization's auditor's to read, not another's", async () => {
    const now = new Date().toISOString()
    expect((await stateAt(now, roleIn(org.organization_id, 'auditor'))).status).toBe(200)
    const foreign = await stateAt(now, roleIn(other.organization_id, 'auditor'))
    expect(foreign.status).toBe(404)
    expect(foreign.body.code).toBe('ORG_NOT_FOUND')
    expect((await stateAt(now, roleIn(org.organization_id, 'analyst'))).status).toBe(403)
  })
})

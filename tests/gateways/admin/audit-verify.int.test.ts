import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AuditWorld, roleIn, startAuditWorld } from './audit-world.ts'

// GET /admin/v1/audit/verify on real PostgreSQL: an intact chain is reported ok; a row of `events`
// altered in SQL is named by its position; only platform admins may ask.

let world: AuditWorld
let organization_id: string

beforeAll(async () => {
  world = await startAuditWorld('auditver')
  ;({ organization_id } = await world.organization('v'))
  await world.chained()
}, 120_000)
afterAll(async () => {
  await world?.close()
})

const positions = async () =>
  (
    await world.db.query<{ p: string }>(
      'SELECT global_position::text AS p FROM events ORDER BY global_position',
    )
  ).rows.map((row) => row.p)

describe('the chain verify endpoint', () => {
  it('reports an intact chain, whole or between two positions', async () => {
    const all = await positions()
    const answer = await world.get('/audit/verify')
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({
      object: 'audit_chain_report',
      ok: true,
      checked: all.length,
      first_break: null,
      unchained_after: null,
    })
    const part = await world.get(`/audit/verify?from=${all[1]}&to=${all[3]}`)
    expect(JSON.parse(part.text)).toMatchObject({ ok: true, checked: 3 })
  })

  it('is for platform admins only, and refuses a reversed range', async () => {
    for (const role of ['auditor', 'org_owner'] as const) {
      const answer = await world.get('/audit/verify', roleIn(organization_id, role))
      expect(answer.status).toBe(403)
      expect(JSON.parse(answer.text).code).toBe('FORBIDDEN')
    }
    const reversed = await world.get('/audit/verify?from=9&to=3')
    expect(reversed.status).toBe(400)
    expect(JSON.parse(reversed.text).code).toBe('VALIDATION_FAILED')
  })

  it('names the position of a row altered directly in SQL', async () => {
    const all = await positions()
    const target = all[Math.floor(all.length / 2)]
    const stored = await world.db.query<{ hash: string }>(
      `SELECT encode(hash, 'hex') AS hash FROM event_chain WHERE global_position = $1`,
      [target],
    )
    await world.db.query(
      `UPDATE events SET data = jsonb_set(data, '{name}', '"tampered"') WHERE global_position = $1`,
      [target],
    )
    const report = JSON.parse((await world.get('/audit/verify')).text)
    expect(report.ok).toBe(false)
    expect(report.first_break.global_position).toBe(target)
    expect(report.first_break.expected).toBe(stored.rows[0]?.hash)
    expect(report.first_break.found).toMatch(/^[0-9a-f]{64}$/)
    expect(report.first_break.found).not.toBe(report.first_break.expected)
  })
})

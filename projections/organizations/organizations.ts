import type { OrganizationEvent } from '../../domain/organizations/organization.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read model: one row per organization (table in infra/migrations/0010_read_models.sql).
export async function projectOrganization(
  event: OrganizationEvent,
  position: bigint,
  tx: Sql,
): Promise<void> {
  switch (event.type) {
    case 'OrganizationCreated': {
      const { organization_id, name, created_at } = event.data
      // Idempotent: a replayed event finds its row and changes nothing.
      await tx.query(
        `INSERT INTO rm_organizations (organization_id, name, created_at, position)
         VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id) DO NOTHING`,
        [organization_id, name, created_at, position],
      )
      return
    }
    case 'OrganizationBudgetSet': {
      // Guarded by position: a replayed older event never overwrites a newer budget.
      await tx.query(
        `UPDATE rm_organizations SET monthly_limit_usd = $2, position = $3
          WHERE organization_id = $1 AND position < $3`,
        [event.data.organization_id, event.data.monthly_limit_usd, position],
      )
      return
    }
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export interface OrganizationRow {
  id: string
  name: string
  created_at: string
  monthly_limit_usd: number | null
}

export async function findOrganization(db: Sql, organizationId: string): Promise<OrganizationRow | null> {
  const { rows } = await db.query<{
    organization_id: string
    name: string
    created_at: Date
    monthly_limit_usd: string | number | null
  }>(
    'SELECT organization_id, name, created_at, monthly_limit_usd FROM rm_organizations WHERE organization_id = $1',
    [organizationId],
  )
  const row = rows[0]
  if (!row) return null
  const limit = row.monthly_limit_usd === null ? null : Number(row.monthly_limit_usd)
  return {
    id: row.organization_id,
    name: row.name,
    created_at: row.created_at.toISOString(),
    monthly_limit_usd: limit,
  }
}

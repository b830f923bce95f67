import type { OrganizationEvent } from '../../domain/organizations/organization.ts'
import { type OrganizationSettings, withDefaults } from '../../domain/organizations/settings.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read model: one row per organization (table in infra/migrations/0010, 0011, 0110, 0111, 0430). Queries
// that read it are in ./queries.ts.

/** Where an event sits: its global position (the replay guard) and its stream version (the ETag). */
export interface EventPlace {
  position: bigint
  version: number
}

type ChangeEvent = Exclude<OrganizationEvent, { type: 'OrganizationCreated' }>

/** The columns an event sets on the row its creation inserted. */
function changeOf(event: ChangeEvent): Record<string, unknown> {
  switch (event.type) {
    case 'OrganizationBudgetSet':
      return { monthly_limit_usd: event.data.monthly_limit_usd }
    case 'OrganizationRenamed':
      return { name: event.data.name }
    case 'OrganizationSettingsChanged': {
      // withDefaults: an event older than the limits reads as none, fail closed, no webhook.
      return { ...withDefaults(event.data) }
    }
    case 'OrganizationSuspended':
      return { status: 'suspended', suspended_reason: event.data.reason }
    case 'OrganizationReactivated':
      return { status: 'active', suspended_reason: null }
    case 'OrganizationClosed':
      return { status: 'closed', suspended_reason: null }
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

export async function projectOrganization(event: OrganizationEvent, at: EventPlace, tx: Sql): Promise<void> {
  if (event.type === 'OrganizationCreated') {
    const { organization_id, name, created_at } = event.data
    // Idempotent: a replayed event finds its row and changes nothing.
    await tx.query(
      `INSERT INTO rm_organizations (organization_id, name, created_at, position, version, created_position)
       VALUES ($1, $2, $3, $4, $5, $4) ON CONFLICT (organization_id) DO NOTHING`,
      [organization_id, name, created_at, at.position, at.version],
    )
    return
  }
  const change = changeOf(event)
  // Column names come from changeOf above, never from input. Guarded by position: a replayed
  // older event never overwrites a newer row.
  const columns = Object.keys(change)
  const sets = columns.map((column, i) => `${column} = $${i + 4}`).join(', ')
  await tx.query(
    `UPDATE rm_organizations SET ${sets}, position = $2, version = $3
      WHERE organization_id = $1 AND position < $2`,
    [event.data.organization_id, at.position, at.version, ...Object.values(change)],
  )
}

export type OrganizationStatus = 'active' | 'suspended' | 'closed'

export interface OrganizationRow {
  id: string
  name: string
  created_at: string
  status: OrganizationStatus
  /** Why it was suspended; null unless suspended. */
  suspended_reason: string | null
  settings: OrganizationSettings
  monthly_limit_usd: number | null
  /** Stream version of its last event: the ETag of the resource. */
  version: number
}

// monthly_limit_usd (deprecated) is the organization's organization-wide monthly hard budget,
// read from the budgets read model (projections/budgets/), however it was set.
const COLUMNS = `organization_id, name, created_at, status, suspended_reason, timezone, allowed_models,
  mfa_required, rpm_limit, tpm_limit, limits_fail_open, budget_alert_webhook_url, version,
  (SELECT b.limit_micros / 1000000.0 FROM rm_budgets b
    WHERE b.organization_id = rm_organizations.organization_id AND b.api_key_id IS NULL
      AND b.period = 'monthly' AND b.enforcement = 'hard') AS monthly_limit_usd`

type StoredRow = {
  organization_id: string
  name: string
  created_at: Date
  status: string
  suspended_reason: string | null
  timezone: string
  allowed_models: string[] | null
  mfa_required: boolean
  rpm_limit: string | number | null
  tpm_limit: string | number | null
  limits_fail_open: boolean
  budget_alert_webhook_url: string | null
  monthly_limit_usd: string | number | null
  version: string | number
}

const statusOf = (status: string): OrganizationStatus =>
  status === 'suspended' || status === 'closed' ? status : 'active'

const limitOf = (limit: string | number | null): number | null => (limit === null ? null : Number(limit))

function toRow(row: StoredRow): OrganizationRow {
  const { timezone, allowed_models, mfa_required, limits_fail_open, budget_alert_webhook_url } = row
  return {
    id: row.organization_id,
    name: row.name,
    created_at: row.created_at.toISOString(),
    status: statusOf(row.status),
    suspended_reason: row.suspended_reason,
    settings: {
      timezone,
      allowed_models,
      mfa_required,
      rpm_limit: limitOf(row.rpm_limit),
      tpm_limit: limitOf(row.tpm_limit),
      limits_fail_open,
      budget_alert_webhook_url,
    },
    monthly_limit_usd: row.monthly_limit_usd === null ? null : Number(row.monthly_limit_usd),
    version: Number(row.version),
  }
}

export async function findOrganization(db: Sql, organizationId: string): Promise<OrganizationRow | null> {
  const { rows } = await db.query<StoredRow>(
    `SELECT ${COLUMNS} FROM rm_organizations WHERE organization_id = $1`,
    [organizationId],
  )
  return rows[0] ? toRow(rows[0]) : null
}

/** A listed organization, with the position of its creation: the list's sort key and cursor. */
export type ListedOrganization = OrganizationRow & { created_position: bigint }

/**
 * A page of organizations in the order they were created, after the one created at `after`.
 * The order is commit order (the creation event's global position), which the projector applies
 * without gaps: an organization that appears while a client pages lands after every cursor it
 * already holds, so a list never misses or repeats one.
 */
export async function listOrganizations(
  db: Sql,
  page: { after: bigint | null; limit: number; status?: OrganizationStatus | undefined },
): Promise<ListedOrganization[]> {
  const { rows } = await db.query<StoredRow & { created_position: string | number | bigint }>(
    `SELECT ${COLUMNS}, created_position FROM rm_organizations
      WHERE ($1::bigint IS NULL OR created_position > $1::bigint) AND ($2::text IS NULL OR status = $2)
      ORDER BY created_position LIMIT $3`,
    [page.after, page.status ?? null, page.limit],
  )
  return rows.map((row) => ({ ...toRow(row), created_position: BigInt(row.created_position) }))
}

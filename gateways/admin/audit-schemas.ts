import { z } from 'zod'
import { ORGANIZATION_ROLES } from '../../domain/users/user.ts'
import { organization } from './organization-schemas.ts'

// Wire shapes of /admin/v1/audit (docs/audit.md): the chain's verify report, the export's query
// and lines, and an organization's state at an instant.

/** A global position: a decimal string (positions pass 2^53, docs/event-store.md). */
const position = z.string().regex(/^\d{1,19}$/, 'a global position: a decimal integer')

// RFC 3339 with an offset. Before 1970 no event exists, and year 0 PostgreSQL refuses outright
// (a 500): the bound makes both a 400.
const instant = z.iso
  .datetime({ offset: true })
  .refine((text) => Date.parse(text) >= 0, { message: 'must not be before 1970-01-01T00:00:00Z' })

export const verifyQuery = z
  .object({ from: position.optional(), to: position.optional() })
  .strict()
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && BigInt(query.from) > BigInt(query.to))
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must not be after to' })
  })

const chainBreak = z.object({
  global_position: z.string(),
  /** The hash stored in event_chain (hex); null: the event has no chain row (slipped in). */
  expected: z.string().nullable(),
  /** The hash recomputed from the event row (hex); null: the event row is gone. */
  found: z.string().nullable(),
})

export const verifyReport = z.object({
  object: z.literal('audit_chain_report'),
  ok: z.boolean(),
  checked: z.number().int(),
  first_break: chainBreak.nullable(),
  /** Events after this position are not chained yet (the chaining subscription's lag). */
  unchained_after: z.string().nullable(),
})

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const

export const exportQuery = z
  .object({
    from: instant.optional(),
    to: instant.optional(),
    organization_id: z.uuid().optional(),
    /** An event type's name (`BudgetChanged`): docs/events.md lists them. */
    type: z
      .string()
      .regex(/^[A-Z][A-Za-z0-9]{0,99}$/, 'an event type: letters and digits, starting upper case')
      .optional(),
    format: z.enum(EXPORT_FORMATS).default('ndjson'),
  })
  .strict()
  .superRefine((query, ctx) => {
    if (query.from !== undefined && query.to !== undefined && Date.parse(query.from) > Date.parse(query.to))
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must not be after to' })
  })

/** One exported event: a line of NDJSON, or a row of CSV with these columns in this order. */
export const exportLine = z
  .object({
    global_position: z.string(),
    id: z.uuid(),
    stream: z.string(),
    stream_version: z.number().int(),
    type: z.string(),
    schema_version: z.number().int(),
    recorded_at: z.string().describe('UTC with microseconds, as the chain encodes it'),
    actor: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    data: z.record(z.string(), z.unknown()),
    prev_hash: z.string().nullable().describe('hex; null: not chained yet'),
    hash: z.string().nullable().describe('hex; null: not chained yet'),
  })
  .describe('application/x-ndjson: one such object per line; text/csv (format=csv): one row per event')

/** format=csv: a header row, then one row per event in exportLine's columns (RFC 4180). */
export const exportCsv = z.string()

export const stateParams = z.object({ organization_id: z.uuid() })

export const stateQuery = z
  .object({ at: instant.refine((text) => Date.parse(text) <= Date.now(), 'must not be in the future') })
  .strict()

const role = z.enum(ORGANIZATION_ROLES)
const keyStatus = z.enum(['active', 'revoked'])

export const organizationState = z.object({
  object: z.literal('organization_state'),
  at: z.string(),
  organization: z.object({
    organization_id: z.uuid(),
    name: z.string(),
    status: z.enum(['active', 'suspended', 'closed']),
    created_at: z.string(),
    settings: organization.shape.settings,
    monthly_limit_usd: z.number().nullable(),
    suspended_reason: z.string().nullable(),
    suspended_at: z.string().nullable(),
    closed_at: z.string().nullable(),
  }),
  users: z.array(
    z.object({
      user_id: z.uuid(),
      email: z.string(),
      display_name: z.string(),
      status: z.enum(['active', 'invited', 'disabled']),
      roles: z.array(role),
    }),
  ),
  api_keys: z.array(
    z.object({
      api_key_id: z.uuid(),
      name: z.string(),
      key_prefix: z.string(),
      status: keyStatus,
      revoked_at: z.string().nullable(),
    }),
  ),
  budgets: z.array(
    z.object({
      budget_id: z.uuid(),
      api_key_id: z.uuid().nullable(),
      period: z.string(),
      limit_usd: z.string(),
      enforcement: z.string(),
      alert_thresholds: z.array(z.number()),
    }),
  ),
  service_accounts: z.array(
    z.object({
      service_account_id: z.uuid(),
      name: z.string(),
      client_id: z.string(),
      roles: z.array(role),
      status: keyStatus,
      revoked_at: z.string().nullable(),
    }),
  ),
  role_bindings: z.array(z.object({ subject: z.string(), roles: z.array(role) })),
  models: z.array(
    z.object({
      name: z.string(),
      aliases: z.array(z.string()),
      input_price_per_million_usd: z.string(),
      output_price_per_million_usd: z.string(),
      max_output_tokens: z.number().int(),
    }),
  ),
})

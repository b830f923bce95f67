// The kinds a tenants repository holds (docs/tenants-as-code.md): one zod schema per kind, and the
// two files they make up. The JSON Schema published in docs/tenants-as-code/ is generated from
// these (json-schema.ts), so a file an editor validates is a file the reconciler accepts.
import { z } from 'zod'
import { MAX_THRESHOLDS } from '../budgets/amounts.ts'
import { ENFORCEMENTS } from '../budgets/budget.ts'
import { BUDGET_PERIODS } from '../budgets/period.ts'
import { ORGANIZATION_ROLES } from '../users/user.ts'

/** A resource's name in git: its stable identity (identity.ts), never shown as a display name. */
export const slugSchema = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)
  .describe('Stable identity in git: lowercase letters, digits and inner dashes, 1-63 characters')

export const budgetSchema = z
  .strictObject({
    period: z.enum(BUDGET_PERIODS).describe('At most one budget per period and scope'),
    limit_usd: z
      .string()
      .regex(/^\d{1,7}(\.\d{1,6})?$/)
      .describe('USD as a decimal string, at most 6 decimals, e.g. "25.00"'),
    enforcement: z.enum(ENFORCEMENTS).default('hard'),
    alert_thresholds: z.array(z.number().gt(0).lte(1)).max(MAX_THRESHOLDS).default([]),
  })
  .describe('Budget: a spending limit per period of its organization or key')

export const apiKeySchema = z
  .strictObject({
    name: slugSchema,
    budgets: z.array(budgetSchema).default([]),
  })
  .describe('ApiKey: defined without its secret; apply shows the secret once, when it creates the key')

export const memberSchema = z
  .strictObject({
    email: z.email().max(254).describe("The user's identity: an existing user with this email is used"),
    display_name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .describe('Only when git creates the user (invited, until their first sign-in)'),
    roles: z.array(z.enum(ORGANIZATION_ROLES)).min(1),
  })
  .describe("Membership: a user's roles in the organization")

export const organizationSchema = z
  .strictObject({
    kind: z.literal('Organization'),
    name: slugSchema,
    display_name: z.string().trim().min(1).max(200).describe("The organization's name in the API"),
    budgets: z.array(budgetSchema).default([]),
    api_keys: z.array(apiKeySchema).default([]),
    members: z.array(memberSchema).default([]),
  })
  .describe('Organization file: one organization with its budgets, API keys and members')

/** `aiaas.yaml` at the repository's root. */
export const repositoryConfigSchema = z
  .strictObject({
    kind: z.literal('Repository'),
    prune: z
      .boolean()
      .default(false)
      .describe('Delete resources git manages once their definition is removed (default false)'),
  })
  .describe('Repository settings file (aiaas.yaml)')

export type BudgetDefinition = z.output<typeof budgetSchema>
export type ApiKeyDefinition = z.output<typeof apiKeySchema>
export type MemberDefinition = z.output<typeof memberSchema>
export type OrganizationDefinition = z.output<typeof organizationSchema>
export type RepositoryConfig = z.output<typeof repositoryConfigSchema>

/** The file that holds the repository's settings; every other `*.yaml` is an organization. */
export const REPOSITORY_CONFIG_FILE = 'aiaas.yaml'

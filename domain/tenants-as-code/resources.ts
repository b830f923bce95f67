// The kinds a tenants repository holds (docs/tenants-as-code.md): one zod schema per kind, and the
// two files they make up. The JSON Schema published in docs/tenants-as-code/ is generated from
// these (json-schema.ts), so a file an editor validates is a file the reconciler accepts.
import { z } from 'zod'
import { MAX_THRESHOLDS } from '../budgets/amounts.ts'
import { ENFORCEMENTS } from '../budgets/budget.ts'
import { BUDGET_PERIODS } from '../budgets/period.ts'
import { PROVIDERS, STRATEGIES } from '../models/model.ts'
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

// A model name as OpenAI clients send it (the admin API's rule): `gpt-4o`, `meta-llama/Llama-3-8B`.
const modelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/)
const price = z
  .string()
  .regex(/^\d{1,6}(\.\d{1,9})?$/)
  .describe('USD per million tokens as a decimal string, 0 to 100000, at most 9 decimals')
const limit = z.number().int().positive().nullable().default(null)

export const backendSchema = z
  .strictObject({
    url: z.url().max(2048),
    provider: z.enum(PROVIDERS),
    weight: z.number().int().min(0).max(1000).default(1),
    priority: z.number().int().min(0).max(1000).default(0),
    timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/),
        z
          .string()
          .max(1024)
          .regex(/^[^\r\n\0]*$/),
      )
      .default({}),
    api_key_file: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "The backend's API key by reference: a file on the reconciler's machine (a mounted secret), read at each run and stored sealed; never the key itself",
      ),
  })
  .describe('Backend: where the model is served')

export const modelSchema = z
  .strictObject({
    kind: z.literal('Model'),
    name: modelName.describe('The model name clients send: its identity'),
    aliases: z.array(modelName).max(20).default([]),
    input_price_per_million_usd: price,
    output_price_per_million_usd: price,
    max_output_tokens: z.number().int().min(1).max(1_000_000),
    strategy: z.enum(STRATEGIES).default('priority'),
    rpm_limit: limit,
    tpm_limit: limit,
    backends: z.array(backendSchema).min(1).max(20),
  })
  .describe('Model file: one model of the catalogue, its prices and backends')

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
export type BackendDefinition = z.output<typeof backendSchema>
export type ModelFileDefinition = z.output<typeof modelSchema>
export type RepositoryConfig = z.output<typeof repositoryConfigSchema>

/** The file that holds the repository's settings; every other `*.yaml` is an organization or a model (`kind`). */
export const REPOSITORY_CONFIG_FILE = 'aiaas.yaml'

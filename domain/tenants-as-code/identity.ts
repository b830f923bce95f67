import { createHash } from 'node:crypto'
import { v5 as uuidv5 } from 'uuid'
import { budgetIdFor } from '../budgets/budget.ts'
import type { BudgetPeriod } from '../budgets/period.ts'
import { emailKey } from '../users/email.ts'

// How a resource in git maps to its aggregate id (ADR 0024): a UUIDv5 of its kind and names, so
// the same file names the same aggregate in every clone, on every run, with no lookup table and
// no name uniqueness the event store would have to enforce. Budgets already have ids derived from
// their scope (budgetIdFor). Renaming a slug in git is therefore a delete and a create.

/** The namespace of every tenants-as-code id (a random UUID, fixed forever). */
export const TENANTS_NAMESPACE = '6f1c2d0e-8a4b-4e55-9d57-3b1f0c9a7e21'

export const organizationIdOf = (organization: string): string =>
  uuidv5(`organization\u0000${organization}`, TENANTS_NAMESPACE)

export const apiKeyIdOf = (organization: string, key: string): string =>
  uuidv5(`api_key\u0000${organization}\u0000${key}`, TENANTS_NAMESPACE)

/**
 * The id git gives a user it creates. A user that already has the email (created over the admin
 * API) keeps their own id: the reconciler looks the email up first (withUserIds in desired.ts).
 */
export const userIdOf = (email: string): string => uuidv5(`user\u0000${emailKey(email)}`, TENANTS_NAMESPACE)

export const budgetIdOf = (
  organization_id: string,
  api_key_id: string | null,
  period: BudgetPeriod,
): string => budgetIdFor({ organization_id, api_key_id, period })

/**
 * What a plan shows and compares of a backend's API key: a short SHA-256 fingerprint, enough to
 * tell two keys apart and useless to call a provider with.
 */
export const credentialFingerprint = (plaintext: string): string =>
  `sha256:${createHash('sha256').update(plaintext).digest('hex').slice(0, 16)}`

// An organization's settings: the timezone its budget periods follow, the models its keys may
// call, whether its members must use MFA (enforced by the sign-in issue), its per-minute limits,
// what happens when the spend ledger cannot answer, and where budget alerts go.
import { z } from 'zod'

export interface OrganizationSettings {
  /** An IANA time zone (`Europe/Paris`); budget periods roll over at its midnight. */
  timezone: string
  /** Model names its keys may call; null allows every model, [] allows none. */
  allowed_models: string[] | null
  mfa_required: boolean
  /** Requests per minute across all its keys; null: no organization-wide limit. */
  rpm_limit: number | null
  /** Tokens per minute across all its keys; null: no organization-wide limit. */
  tpm_limit: number | null
  /** When the spend ledger cannot answer: false refuses (503), true admits without limits or budgets. */
  limits_fail_open: boolean
  /** Where its BudgetThresholdCrossed events are POSTed; null: nowhere. */
  budget_alert_webhook_url: string | null
}

export const DEFAULT_SETTINGS: OrganizationSettings = {
  timezone: 'UTC',
  allowed_models: null,
  mfa_required: false,
  rpm_limit: null,
  tpm_limit: null,
  limits_fail_open: false,
  budget_alert_webhook_url: null,
}

/**
 * Whether Intl knows the zone. Deterministic for a given runtime (its bundled tz data), so the
 * decider stays pure; an alias such as `US/Eastern` is accepted as Intl accepts it.
 */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export const settingsSchema = z.object({
  timezone: z.string(),
  allowed_models: z.array(z.string()).nullable(),
  mfa_required: z.boolean(),
  // Absent from events written before they existed: those read as no limits, fail closed, no
  // webhook (withDefaults), so no stored event is migrated.
  rpm_limit: z.number().nullable().optional(),
  tpm_limit: z.number().nullable().optional(),
  limits_fail_open: z.boolean().optional(),
  budget_alert_webhook_url: z.string().nullable().optional(),
})

/** The settings an event carries, with the fields older events lack at their defaults. */
export const withDefaults = (stored: z.infer<typeof settingsSchema>): OrganizationSettings => ({
  timezone: stored.timezone,
  allowed_models: stored.allowed_models,
  mfa_required: stored.mfa_required,
  rpm_limit: stored.rpm_limit ?? null,
  tpm_limit: stored.tpm_limit ?? null,
  limits_fail_open: stored.limits_fail_open ?? false,
  budget_alert_webhook_url: stored.budget_alert_webhook_url ?? null,
})

/** A per-minute limit is a positive whole number, or null for none. */
export const isMinuteLimit = (limit: number | null): boolean =>
  limit === null || (Number.isSafeInteger(limit) && limit > 0)

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/** https anywhere, or http to loopback only (a receiver in a test); null for none. */
export function isWebhookUrl(url: string | null): boolean {
  if (url === null) return true
  if (url.length > 2048) return false
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.username !== '' || parsed.password !== '') return false
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.has(parsed.hostname))
}

/** Duplicates dropped, first occurrence kept: the same list always stores the same way. */
export const canonicalModels = (models: readonly string[] | null): string[] | null =>
  models === null ? null : [...new Set(models)]

const sameModels = (a: readonly string[] | null, b: readonly string[] | null): boolean =>
  a === null || b === null ? a === b : a.length === b.length && a.every((model, i) => model === b[i])

export const sameSettings = (a: OrganizationSettings, b: OrganizationSettings): boolean =>
  a.timezone === b.timezone &&
  a.mfa_required === b.mfa_required &&
  a.rpm_limit === b.rpm_limit &&
  a.tpm_limit === b.tpm_limit &&
  a.limits_fail_open === b.limits_fail_open &&
  a.budget_alert_webhook_url === b.budget_alert_webhook_url &&
  sameModels(a.allowed_models, b.allowed_models)

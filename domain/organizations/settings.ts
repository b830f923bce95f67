// An organization's settings: the timezone its budget periods follow, the models its keys may
// call, and whether its members must use MFA (enforced by the sign-in issue).
import { z } from 'zod'

export interface OrganizationSettings {
  /** An IANA time zone (`Europe/Paris`); budget periods roll over at its midnight. */
  timezone: string
  /** Model names its keys may call; null allows every model, [] allows none. */
  allowed_models: string[] | null
  mfa_required: boolean
}

export const DEFAULT_SETTINGS: OrganizationSettings = {
  timezone: 'UTC',
  allowed_models: null,
  mfa_required: false,
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
})

/** Duplicates dropped, first occurrence kept: the same list always stores the same way. */
export const canonicalModels = (models: readonly string[] | null): string[] | null =>
  models === null ? null : [...new Set(models)]

const sameModels = (a: readonly string[] | null, b: readonly string[] | null): boolean =>
  a === null || b === null ? a === b : a.length === b.length && a.every((model, i) => model === b[i])

export const sameSettings = (a: OrganizationSettings, b: OrganizationSettings): boolean =>
  a.timezone === b.timezone &&
  a.mfa_required === b.mfa_required &&
  sameModels(a.allowed_models, b.allowed_models)

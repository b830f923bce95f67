import type { Provider } from 'oidc-provider'
import { z } from 'zod'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'

// The consent step: what the client asks for that the grant lacks, approved or denied. An
// approval is remembered per user and client (model `Consent` in the issuer's store), so the
// next sign-in of that user to that client asks again only for what was never approved.

/** How long an approval is remembered. */
export const CONSENT_TTL_SECONDS = 90 * 24 * 3600

const missing = z.object({
  missingOIDCScope: z.array(z.string()).optional(),
  missingOIDCClaims: z.array(z.string()).optional(),
  missingResourceScopes: z.record(z.string(), z.array(z.string())).optional(),
})
export type Missing = z.infer<typeof missing>

const remembered = z.object({
  scopes: z.array(z.string()),
  claims: z.array(z.string()),
  resources: z.record(z.string(), z.array(z.string())),
})
type Remembered = z.infer<typeof remembered>

export const missingOf = (details: unknown): Missing => missing.parse(details ?? {})

/** The scopes to name on the page: OIDC scopes, then each resource's. */
export const scopesAsked = (asked: Missing): string[] => [
  ...new Set([...(asked.missingOIDCScope ?? []), ...Object.values(asked.missingResourceScopes ?? {}).flat()]),
]

const covers = (held: readonly string[], wanted: readonly string[] = []) =>
  wanted.every((item) => held.includes(item))

export function consents(store: OidcStore) {
  const adapter = store('Consent')
  const key = (accountId: string, clientId: string) => `${accountId}:${clientId}`
  const read = async (accountId: string, clientId: string): Promise<Remembered> => {
    const parsed = remembered.safeParse(await adapter.find(key(accountId, clientId)))
    return parsed.success ? parsed.data : { scopes: [], claims: [], resources: {} }
  }
  return {
    /** Whether an earlier approval covers everything asked now. */
    async covered(accountId: string, clientId: string, asked: Missing): Promise<boolean> {
      const held = await read(accountId, clientId)
      return (
        covers(held.scopes, asked.missingOIDCScope) &&
        covers(held.claims, asked.missingOIDCClaims) &&
        Object.entries(asked.missingResourceScopes ?? {}).every(([resource, scopes]) =>
          covers(held.resources[resource] ?? [], scopes),
        )
      )
    },
    async remember(accountId: string, clientId: string, asked: Missing): Promise<void> {
      const held = await read(accountId, clientId)
      const union = (a: readonly string[], b: readonly string[] = []) => [...new Set([...a, ...b])]
      const resources = { ...held.resources }
      for (const [resource, scopes] of Object.entries(asked.missingResourceScopes ?? {})) {
        resources[resource] = union(resources[resource] ?? [], scopes)
      }
      const next: Remembered = {
        scopes: union(held.scopes, asked.missingOIDCScope),
        claims: union(held.claims, asked.missingOIDCClaims),
        resources,
      }
      await adapter.upsert(key(accountId, clientId), next, CONSENT_TTL_SECONDS)
    },
  }
}

/** Adds what was asked to the interaction's grant (a new one when it has none); its id. */
export async function grantAsked(
  provider: Provider,
  interaction: { grantId?: string | undefined; accountId: string; clientId: string },
  asked: Missing,
): Promise<string> {
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined
  const grant =
    existing ?? new provider.Grant({ accountId: interaction.accountId, clientId: interaction.clientId })
  if (asked.missingOIDCScope) grant.addOIDCScope(asked.missingOIDCScope.join(' '))
  if (asked.missingOIDCClaims) grant.addOIDCClaims(asked.missingOIDCClaims)
  for (const [resource, scopes] of Object.entries(asked.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '))
  }
  return grant.save()
}

import { createLocalJWKSet, createRemoteJWKSet, type JWK, errors as joseErrors, jwtVerify } from 'jose'
import { z } from 'zod'
import type { Subject } from '../../domain/authorization/subject.ts'
import { AppError } from '../../domain/errors.ts'
import { organizationRole } from '../../domain/users/user.ts'

// Verifies the issuer's JWT access tokens (jose) against its JWKS: held in this process where the
// issuer runs (no network hop), else fetched from it and cached (a separate `aiaas analytics`).
// Signature, `iss`, `aud` and expiry are checked; the claims become a Subject. A token of an
// account revoked since it was issued is refused too (`isActive`), so revocation does not wait
// for the token to expire.

export interface AccessTokenVerifierOptions {
  issuer: string
  audience: string
  /** The issuer's public keys (its JWKS), or where to fetch them (jose caches them). */
  keys: readonly JWK[] | URL
  /** Whether the service account is still active (rm_service_accounts). */
  isActive: (serviceAccountId: string) => Promise<boolean>
  /**
   * Local keys only: re-reads them when a token names an unknown key (a key added by a rotation
   * since this process started), at most once per KEY_RELOAD_MS.
   */
  reloadKeys?: () => Promise<readonly JWK[]>
}

/** How often unknown key ids may make a local verifier re-read its keys. */
export const KEY_RELOAD_MS = 30_000

const claims = z.object({
  sub: z.string().min(1),
  client_id: z.string().min(1),
  organization_id: z.string().min(1),
  roles: z.array(organizationRole).min(1),
})

/** The Subject a token stands for, or null: any token that fails a check is no token at all. */
export type AccessTokenVerifier = (token: string) => Promise<Subject | null>

type KeySet = Parameters<typeof jwtVerify>[1]

/** The key set, and (local keys with a reload) a way to refresh it that reports whether it did. */
function keySet(options: AccessTokenVerifierOptions) {
  const { keys, reloadKeys } = options
  if (keys instanceof URL) {
    // jose's remote set caches the JWKS and refetches it for an unknown key id on its own.
    const remote: KeySet = createRemoteJWKSet(keys)
    return { current: () => remote, reload: async () => false }
  }
  let set: KeySet = createLocalJWKSet({ keys: [...keys] })
  let reloadedAt = Number.NEGATIVE_INFINITY
  return {
    current: () => set,
    reload: async () => {
      if (!reloadKeys || Date.now() - reloadedAt < KEY_RELOAD_MS) return false
      reloadedAt = Date.now()
      set = createLocalJWKSet({ keys: [...(await reloadKeys())] })
      return true
    },
  }
}

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const keys = keySet(options)
  const verify = (token: string, set: KeySet) =>
    jwtVerify(token, set, {
      issuer: options.issuer,
      audience: options.audience,
      algorithms: ['ES256'],
      typ: 'at+jwt',
      requiredClaims: ['exp', 'iat', 'sub'],
    })
  const payloadOf = async (token: string): Promise<unknown> => {
    try {
      return (await verify(token, keys.current())).payload
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey && (await keys.reload()))) throw error
      return (await verify(token, keys.current())).payload
    }
  }
  return async (token) => {
    let payload: unknown
    try {
      payload = await payloadOf(token)
    } catch (error) {
      // The keys could not be had (the issuer's JWKS does not answer, or their table cannot be
      // read): the token may be good, so not a 401 but a 503 to retry. Any other failure is the
      // token's own.
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        throw new AppError(
          'ISSUER_UNAVAILABLE',
          'The access token cannot be checked now: its signing keys cannot be read; retry shortly.',
        )
      }
      return null
    }
    const parsed = claims.safeParse(payload)
    // A client_credentials token: its subject is the client, the service account.
    if (!parsed.success || parsed.data.sub !== parsed.data.client_id) return null
    const { sub, organization_id, roles } = parsed.data
    if (!(await options.isActive(sub))) return null
    return {
      actor: `service-account:${sub}`,
      kind: 'service_account',
      platform_admin: false,
      memberships: { [organization_id]: roles },
    }
  }
}

import { createLocalJWKSet, createRemoteJWKSet, type JWK, errors as joseErrors, jwtVerify } from 'jose'
import { z } from 'zod'
import type { Subject } from '../../domain/authorization/subject.ts'
import { AppError } from '../../domain/errors.ts'
import { organizationRole } from '../../domain/users/user.ts'

// Verifies the issuer's JWT access tokens (jose) against its JWKS: held in this process where the
// issuer runs (no network hop), else fetched from it and cached (a separate `aiaas analytics`).
// Signature, `iss`, `aud` and expiry are checked; the claims become a Subject. A token of an
// account revoked since it was issued is refused too (`isActive`), so revocation does not wait
// for the token to expire. A person's token (authorization code) carries only who they are: their
// roles and status are read at each request (`userSubject`), and the grant it came from must still
// stand (`grantStands`): oidc-provider destroys a grant when its code is replayed or its refresh
// token revoked, and a JWT cannot be recalled otherwise (docs/adr/0015).

export interface AccessTokenVerifierOptions {
  issuer: string
  audience: string
  /** The issuer's public keys (its JWKS), or where to fetch them (jose caches them). */
  keys: readonly JWK[] | URL
  /** Whether the service account is still active (rm_service_accounts). */
  isActive: (serviceAccountId: string) => Promise<boolean>
  /** A person's Subject as the read model has it now; null: unknown or disabled (no token works). */
  userSubject: (userId: string) => Promise<Subject | null>
  /**
   * Whether the grant a person's token was issued under still stands (the issuer's store). Absent
   * (a process without the issuer's store): not checked, and a revoked grant's tokens live out
   * their ACCESS_TOKEN_TTL_SECONDS.
   */
  grantStands?: ((grantId: string) => Promise<boolean>) | undefined
  /**
   * Local keys only: re-reads them when a token names an unknown key (a key added by a rotation
   * since this process started), at most once per KEY_RELOAD_MS.
   */
  reloadKeys?: () => Promise<readonly JWK[]>
}

/** How often unknown key ids may make a local verifier re-read its keys. */
export const KEY_RELOAD_MS = 30_000

const serviceAccountClaims = z.object({
  sub: z.string().min(1),
  client_id: z.string().min(1),
  organization_id: z.string().min(1),
  roles: z.array(organizationRole).min(1),
})

/** The scope a person consents to for the admin API; a token without it opens nothing. */
export const ADMIN_SCOPE = 'admin'

const userClaims = z.object({
  sub: z.string().min(1),
  client_id: z.string().min(1),
  gid: z.string().min(1),
  scope: z.string(),
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
    return subjectOf(payload, options)
  }
}

/** The Subject of verified claims: a service account's (client_credentials) or a person's. */
async function subjectOf(payload: unknown, options: AccessTokenVerifierOptions): Promise<Subject | null> {
  const account = serviceAccountClaims.safeParse(payload)
  if (account.success) {
    const { sub, client_id, organization_id, roles } = account.data
    // A client_credentials token: its subject is the client, the service account.
    if (sub !== client_id || !(await options.isActive(sub))) return null
    return {
      actor: `service-account:${sub}`,
      kind: 'service_account',
      platform_admin: false,
      memberships: { [organization_id]: roles },
    }
  }
  const user = userClaims.safeParse(payload)
  if (!user.success || user.data.sub === user.data.client_id) return null
  if (!user.data.scope.split(' ').includes(ADMIN_SCOPE)) return null
  if (options.grantStands && !(await options.grantStands(user.data.gid))) return null
  return options.userSubject(user.data.sub)
}

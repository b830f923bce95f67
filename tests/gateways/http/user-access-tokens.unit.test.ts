import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { createAccessTokenVerifier } from '../../../gateways/http/access-tokens.ts'

// A person's access token (authorization code) stands for who they are now: the Subject is read
// at each request, a token of a revoked grant or without the admin scope opens nothing, and a
// service account's token is still read from its claims.
const ISSUER = 'http://issuer.test/oauth2'
const AUDIENCE = 'urn:aiaas:admin-api'
const USER = '0193a000-0000-7000-8000-000000000001'
const ORG = '0193a000-0000-7000-8000-0000000000aa'

async function setup(people: Record<string, Subject>, standingGrants: Set<string>) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }
  const verify = createAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [jwk],
    isActive: async () => true,
    userSubject: async (id) => people[id] ?? null,
    grantStands: async (gid) => standingGrants.has(gid),
  })
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
  return { verify, sign }
}

const ada: Subject = {
  actor: `user:${USER}`,
  kind: 'user',
  platform_admin: false,
  memberships: { [ORG]: ['analyst'] },
}

describe('a person’s access token', () => {
  it('is the Subject the read model has now, while its grant stands', async () => {
    const people: Record<string, Subject> = { [USER]: ada }
    const grants = new Set(['g1'])
    const { verify, sign } = await setup(people, grants)
    const token = await sign({ sub: USER, client_id: 'aiaas-console', gid: 'g1', scope: 'admin' })
    expect(await verify(token)).toEqual(ada)

    // A role change applies to the next request with the same token.
    people[USER] = { ...ada, memberships: { [ORG]: ['org_admin'] } }
    expect((await verify(token))?.memberships).toEqual({ [ORG]: ['org_admin'] })

    grants.delete('g1')
    expect(await verify(token)).toBeNull()
  })

  it('opens nothing for a disabled or unknown user, or without the admin scope', async () => {
    const { verify, sign } = await setup({ [USER]: ada }, new Set(['g1']))
    const other = await sign({ sub: 'someone-else', client_id: 'aiaas-console', gid: 'g1', scope: 'admin' })
    expect(await verify(other)).toBeNull()
    const noAdmin = await sign({ sub: USER, client_id: 'aiaas-console', gid: 'g1', scope: 'openid' })
    expect(await verify(noAdmin)).toBeNull()
    const noGrant = await sign({ sub: USER, client_id: 'aiaas-console', scope: 'admin' })
    expect(await verify(noGrant)).toBeNull()
  })

  it('leaves a service account’s token read from its claims', async () => {
    const { verify, sign } = await setup({}, new Set())
    const token = await sign({ sub: 'sa-1', client_id: 'sa-1', organization_id: ORG, roles: ['org_admin'] })
    expect(await verify(token)).toEqual({
      actor: 'service-account:sa-1',
      kind: 'service_account',
      platform_admin: false,
      memberships: { [ORG]: ['org_admin'] },
    })
  })
})

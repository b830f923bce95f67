import { beforeAll, describe, expect, it } from 'vitest'
import { ACTIONS } from '../../../domain/authorization/actions.ts'
import { BOOTSTRAP_SUBJECT, type Subject } from '../../../domain/authorization/subject.ts'
import { loadAuthorizer } from '../../../infra/opa/authorizer.ts'
import type { Authorizer } from '../../../infra/ports/authorizer.ts'

// Decisions through the real kept policy.wasm and OPA's wasm SDK: what the gateways rely on.

const ORG_A = '0190a000-0000-7000-8000-00000000000a'
const ORG_B = '0190a000-0000-7000-8000-00000000000b'
const USER = '0190a000-0000-7000-8000-000000000001'
const admin = (roles: Subject['memberships'][string]): Subject => ({
  actor: `user:${USER}`,
  kind: 'user',
  platform_admin: false,
  memberships: { [ORG_A]: roles },
})
const inOrg = (organization_id: string | null, owner: string | null = null) => ({
  type: 'api_key',
  organization_id,
  owner,
})

let authorizer: Authorizer
beforeAll(async () => {
  authorizer = await loadAuthorizer()
})

describe('the OPA-wasm authorizer', () => {
  it('lets the bootstrap subject do every action of the vocabulary, in any organization', () => {
    for (const action of ACTIONS) {
      for (const org of [ORG_A, ORG_B, null]) {
        expect(authorizer.decide({ subject: BOOTSTRAP_SUBJECT, action, resource: inOrg(org) }).allow).toBe(
          true,
        )
      }
    }
  })

  it('knows every action the gateways can declare and refuses one it does not know', () => {
    // The TS vocabulary and the policy's `grants` are one list: a platform admin may do exactly them.
    const unknown = 'api_keys:destroy' as (typeof ACTIONS)[number]
    const decided = authorizer.decide({ subject: BOOTSTRAP_SUBJECT, action: unknown, resource: inOrg(null) })
    expect(decided.allow).toBe(false)
  })

  it('answers not_found in another organization and forbidden inside its own', () => {
    const subject = admin(['analyst'])
    expect(authorizer.decide({ subject, action: 'analytics:read', resource: inOrg(ORG_A) }).allow).toBe(true)
    expect(authorizer.decide({ subject, action: 'analytics:read', resource: inOrg(ORG_B) })).toEqual({
      allow: false,
      deny_as: 'not_found',
    })
    expect(authorizer.decide({ subject, action: 'api_keys:create', resource: inOrg(ORG_A) })).toEqual({
      allow: false,
      deny_as: 'forbidden',
    })
  })

  it("lets a member act on its own key and on no one else's", () => {
    const subject = admin(['member'])
    const mine = { subject, action: 'api_keys:revoke' as const, resource: inOrg(ORG_A, USER) }
    expect(authorizer.decide(mine).allow).toBe(true)
    const theirs = { ...mine, resource: inOrg(ORG_A, '0190a000-0000-7000-8000-000000000002') }
    expect(authorizer.decide(theirs)).toEqual({ allow: false, deny_as: 'forbidden' })
  })

  it('keeps no state between decisions (the same input, the same answer, many times over)', () => {
    const subject = admin(['org_admin'])
    for (let i = 0; i < 2000; i++) {
      const org = i % 2 === 0 ? ORG_A : ORG_B
      expect(authorizer.decide({ subject, action: 'budgets:update', resource: inOrg(org) }).allow).toBe(
        org === ORG_A,
      )
    }
  })
})

import { describe, expect, it } from 'vitest'
import { ORGANIZATION_ROLES } from '../../../domain/users/user.ts'
import { isRole, ROLES, rolesIn } from '../../../gateways/console/src/pages/roles.ts'

describe('the console roles', () => {
  it('are the domain organization roles, in the same order', () => {
    expect(ROLES).toEqual(ORGANIZATION_ROLES)
    expect(isRole('auditor')).toBe(true)
    expect(isRole('platform_admin')).toBe(false)
  })

  it('of a user are those of the organization looked at, in role order', () => {
    const user = {
      memberships: [
        { organization_id: 'a', roles: ['member', 'org_admin'] },
        { organization_id: 'b', roles: ['auditor'] },
      ],
    }
    expect(rolesIn(user, 'a')).toEqual(['org_admin', 'member'])
    expect(rolesIn(user, 'c')).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { loadState } from '../../../commands/handle-command.ts'
import { reconcile } from '../../../commands/reconcile/reconcile.ts'
import { createUser } from '../../../commands/users/create-user.ts'
import { setMembership } from '../../../commands/users/memberships.ts'
import { organizationIdOf, userIdOf } from '../../../domain/tenants-as-code/identity.ts'
import { userDecider } from '../../../domain/users/decider.ts'
import { userStream } from '../../../domain/users/user.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { applied, reconcilePlatform as platform, restContext } from '../../support/reconcile-platform.ts'

// Members in git on real PostgreSQL: users by email, their roles per organization.

describe('reconcile members on PostgreSQL', () => {
  const withMembers = (members: string) => `kind: Organization
name: acme
display_name: Acme
members:
${members}`

  const userState = async (store: EventStore, user_id: string) =>
    (await loadState(store, userStream(user_id), userDecider)).state

  it('invites the users git names, uses the ones that exist, and gives them their roles', async () => {
    const p = await platform()
    const bob = await createUser(
      { ...p.deps },
      { email: 'bob@example.com', display_name: 'Bob', invite: false },
      restContext,
    )
    p.commit('c1', {
      'acme.yaml': withMembers(`  - { email: Ada@Example.com, display_name: Ada, roles: [org_admin, analyst] }
  - { email: bob@example.com, display_name: Robert, roles: [member] }
`),
    })
    const outcome = await applied(p.deps)
    expect(
      outcome.plan.changes.map((c) => c.action !== 'blocked' && c.action !== 'delete' && c.resource.address),
    ).toEqual([
      'organization.acme',
      'user.ada@example.com',
      'organization.acme.member.ada@example.com',
      'organization.acme.member.bob@example.com',
    ])
    const organization_id = organizationIdOf('acme')
    expect(await userState(p.store, userIdOf('ada@example.com'))).toMatchObject({
      status: 'Invited',
      display_name: 'Ada',
      memberships: { [organization_id]: ['org_admin', 'analyst'] },
    })
    // The existing user is the one given the role; git did not create a second Bob.
    expect(await userState(p.store, bob.user_id)).toMatchObject({
      status: 'Active',
      display_name: 'Bob',
      memberships: { [organization_id]: ['member'] },
    })
    expect((await applied(p.deps)).applied).toBe(0)
  })

  it('restores roles changed over REST (drift), and removes a member only with prune', async () => {
    const p = await platform()
    const ada = '  - { email: ada@example.com, display_name: Ada, roles: [analyst] }\n'
    const cy = '  - { email: cy@example.com, display_name: Cy, roles: [member] }\n'
    p.commit('c1', { 'acme.yaml': withMembers(ada + cy) })
    await applied(p.deps)
    const organization_id = organizationIdOf('acme')
    const user_id = userIdOf('ada@example.com')
    await setMembership(p.deps, { user_id, organization_id, roles: ['org_owner'] }, restContext)
    const planned = await reconcile(p.deps, 'plan', 'test')
    expect(planned).toMatchObject({
      plan: {
        drift: 1,
        changes: [{ action: 'update', fields: [{ field: 'roles', from: ['org_owner'], to: ['analyst'] }] }],
      },
    })
    await applied(p.deps)
    expect(await userState(p.store, user_id)).toMatchObject({
      memberships: { [organization_id]: ['analyst'] },
    })

    p.commit('c2', { 'acme.yaml': withMembers(ada) })
    expect((await applied(p.deps)).applied).toBe(0)
    p.commit('c3', { 'aiaas.yaml': 'kind: Repository\nprune: true\n', 'acme.yaml': withMembers(ada) })
    expect((await applied(p.deps)).applied).toBe(1)
    // The membership is gone; the user stays (git never deletes users).
    expect(await userState(p.store, userIdOf('cy@example.com'))).toMatchObject({
      status: 'Invited',
      memberships: {},
    })
  })
})

import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { createOrganization } from '../../commands/organizations/create-organization.ts'
import { activateUser } from '../../commands/users/activate-user.ts'
import { createUser } from '../../commands/users/create-user.ts'
import { removeMembership, setMembership } from '../../commands/users/memberships.ts'
import { updateUser } from '../../commands/users/update-user.ts'
import type { Database } from '../../infra/ports/database.ts'
import { rebuildReadModel } from '../../projections/rebuild.ts'
import { sqlEmailReservations } from '../../projections/users/email-reservations.ts'
import { findUser, listUsers, membershipsOf } from '../../projections/users/queries.ts'
import { startReadModels, testContext } from '../support/read-models.ts'

const context = testContext

async function platform() {
  const { db, store, projector: subscription } = await startReadModels()
  const deps = {
    store,
    now: () => new Date('2026-11-26T10:00:00Z'),
    newId: v7,
    emails: sqlEmailReservations(db),
  }
  return { db, deps, subscription }
}

const snapshot = async (db: Database) => ({
  users: (await db.query('SELECT * FROM rm_users ORDER BY user_id')).rows,
  memberships: (await db.query('SELECT * FROM rm_memberships ORDER BY organization_id, user_id')).rows,
})

describe('users read model', () => {
  it('follows a user through rename, roles, memberships and disable, with the stream version', async () => {
    const { db, deps, subscription } = await platform()
    const acme = await createOrganization(deps, { name: 'Acme' }, context)
    const ada = await createUser(
      deps,
      { email: 'Ada@Example.com', display_name: 'Ada', invite: true },
      context,
    )
    const ids = { user_id: ada.user_id, organization_id: acme.organization_id }
    await setMembership(deps, { ...ids, roles: ['member', 'org_owner'] }, context)
    await subscription.catchUp()
    expect(await findUser(db, ada.user_id)).toEqual({
      id: ada.user_id,
      email: 'Ada@Example.com',
      display_name: 'Ada',
      status: 'invited',
      platform_admin: false,
      created_at: '2026-11-26T10:00:00.000Z',
      version: 1,
    })
    expect(await membershipsOf(db, ada.user_id)).toEqual([
      { organization_id: acme.organization_id, roles: ['org_owner', 'member'] },
    ])

    await activateUser(deps, { user_id: ada.user_id }, context)
    await subscription.catchUp()
    expect(await findUser(db, ada.user_id)).toMatchObject({ status: 'active', version: 2 })

    await updateUser(deps, { user_id: ada.user_id, display_name: 'Ada L.', platform_admin: true }, context)
    await setMembership(deps, { ...ids, roles: ['analyst'] }, context)
    await removeMembership(deps, ids, context)
    await updateUser(deps, { user_id: ada.user_id, disabled: true }, context)
    await subscription.catchUp()
    expect(await findUser(db, ada.user_id)).toMatchObject({
      display_name: 'Ada L.',
      status: 'disabled',
      platform_admin: true,
      version: 7,
    })
    expect(await membershipsOf(db, ada.user_id)).toEqual([])
  })

  it('lists users in commit order, not id order, a page after a cursor', async () => {
    const { db, deps, subscription } = await platform()
    // An id drawn before the others but committed after them, as a slow request's would be.
    const drawnFirst = v7()
    const a = await createUser(deps, { email: 'a@x.test', display_name: 'a', invite: false }, context)
    const b = await createUser(deps, { email: 'b@x.test', display_name: 'b', invite: false }, context)
    const late = { ...deps, newId: () => drawnFirst }
    const c = await createUser(late, { email: 'c@x.test', display_name: 'c', invite: false }, context)
    expect(c.user_id < a.user_id).toBe(true)
    await subscription.catchUp()

    const first = await listUsers(db, { limit: 2, after: null })
    expect(first.map((user) => user.id)).toEqual([a.user_id, b.user_id])
    expect(first.map((user) => user.created_position)).toEqual([a.position, b.position])
    const rest = await listUsers(db, { limit: 2, after: first[1]!.created_position })
    expect(rest.map((user) => user.id)).toEqual([c.user_id])
  })

  it('is disposable: a rebuild from the log equals the live read model', async () => {
    const { db, deps, subscription } = await platform()
    const acme = await createOrganization(deps, { name: 'Acme' }, context)
    for (const name of ['a', 'b', 'c']) {
      const user = await createUser(
        deps,
        { email: `${name}@x.test`, display_name: name, invite: false },
        context,
      )
      const ids = { user_id: user.user_id, organization_id: acme.organization_id }
      await setMembership(deps, { ...ids, roles: ['member'] }, context)
      await setMembership(deps, { ...ids, roles: ['auditor', 'analyst'] }, context)
      if (name === 'b') await removeMembership(deps, ids, context)
      if (name === 'c')
        await updateUser(deps, { user_id: user.user_id, display_name: 'C', disabled: true }, context)
    }
    await subscription.catchUp()
    const live = await snapshot(db)

    await rebuildReadModel(db, 'users')
    expect(await snapshot(db)).toEqual(live)
    expect(live.users).toHaveLength(3)
    expect(live.memberships).toHaveLength(2)
  })
})

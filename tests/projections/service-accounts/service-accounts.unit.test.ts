import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { createServiceAccount } from '../../../commands/service-accounts/create-service-account.ts'
import {
  revokeServiceAccount,
  rotateServiceAccountSecret,
} from '../../../commands/service-accounts/lifecycle.ts'
import { hashClientSecret } from '../../../domain/service-accounts/client-secret.ts'
import { rebuildReadModel } from '../../../projections/rebuild.ts'
import {
  findServiceAccount,
  findServiceAccountClient,
} from '../../../projections/service-accounts/queries.ts'
import { projectServiceAccount } from '../../../projections/service-accounts/service-accounts.ts'
import { testContext as context, startReadModels } from '../../support/read-models.ts'

async function platform() {
  const { db, store, projector } = await startReadModels()
  const deps = { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 }
  return { db, deps, projector }
}

describe('service accounts read model', () => {
  it('follows an account through rotation and revocation: the current hash, the stream version', async () => {
    const { db, deps, projector } = await platform()
    const acme = await createOrganization(deps, { name: 'Acme' }, context)
    const made = await createServiceAccount(
      deps,
      { organization_id: acme.organization_id, name: 'ci', roles: ['analyst'] },
      context,
    )
    const rotated = await rotateServiceAccountSecret(
      deps,
      { service_account_id: made.service_account_id },
      context,
    )
    await projector.catchUp()
    expect(await findServiceAccountClient(db, made.client_id)).toEqual({
      service_account_id: made.service_account_id,
      organization_id: acme.organization_id,
      roles: ['analyst'],
      client_id: made.client_id,
      secret_hash: hashClientSecret(rotated.client_secret),
      active: true,
    })
    await revokeServiceAccount(deps, { service_account_id: made.service_account_id }, context)
    await projector.catchUp()
    expect(await findServiceAccount(db, made.service_account_id)).toMatchObject({
      status: 'revoked',
      rotated_at: '2026-11-26T10:00:00.000Z',
      revoked_at: '2026-11-26T10:00:00.000Z',
      version: 2,
    })
    expect((await findServiceAccountClient(db, made.client_id))?.active).toBe(false)
  })

  it('never lets a replayed older event overwrite a newer row', async () => {
    const { db, deps, projector } = await platform()
    const acme = await createOrganization(deps, { name: 'Acme' }, context)
    const made = await createServiceAccount(
      deps,
      { organization_id: acme.organization_id, name: 'ci', roles: ['org_admin'] },
      context,
    )
    await revokeServiceAccount(deps, { service_account_id: made.service_account_id }, context)
    await projector.catchUp()
    const stale = {
      type: 'ServiceAccountSecretRotated' as const,
      data: {
        service_account_id: made.service_account_id,
        organization_id: acme.organization_id,
        secret_hash: 'f'.repeat(64),
        rotated_at: '2026-11-26T09:00:00.000Z',
      },
    }
    await projectServiceAccount(stale, { version: 1, position: 1n }, db)
    expect(await findServiceAccountClient(db, made.client_id)).toMatchObject({
      secret_hash: hashClientSecret(made.client_secret),
      active: false,
    })
  })

  it('rebuilds, emptied, to the rows the projector wrote', async () => {
    const { db, deps, projector } = await platform()
    const acme = await createOrganization(deps, { name: 'Acme' }, context)
    for (const name of ['a', 'b', 'c']) {
      const made = await createServiceAccount(
        deps,
        { organization_id: acme.organization_id, name, roles: ['auditor', 'analyst'] },
        context,
      )
      if (name !== 'a')
        await rotateServiceAccountSecret(deps, { service_account_id: made.service_account_id }, context)
      if (name === 'c')
        await revokeServiceAccount(deps, { service_account_id: made.service_account_id }, context)
    }
    await projector.catchUp()
    const rows = async () =>
      (await db.query('SELECT * FROM rm_service_accounts ORDER BY service_account_id')).rows
    const live = await rows()
    expect(live).toHaveLength(3)
    await db.query(`UPDATE rm_service_accounts SET status = 'active', secret_hash = 'tampered'`)
    const rebuilt = await rebuildReadModel(db, 'service-accounts')
    expect(rebuilt.read_models).toEqual(['service-accounts'])
    expect(await rows()).toEqual(live)
  })
})

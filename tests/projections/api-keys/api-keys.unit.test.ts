import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import { revokeApiKey } from '../../../commands/api-keys/revoke-api-key.ts'
import { rotateApiKey } from '../../../commands/api-keys/rotate-api-key.ts'
import { rotateSigningSecret } from '../../../commands/api-keys/rotate-signing-secret.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { suspendOrganization } from '../../../commands/organizations/lifecycle.ts'
import { updateOrganization } from '../../../commands/organizations/update-organization.ts'
import { createUser } from '../../../commands/users/create-user.ts'
import { setMembership } from '../../../commands/users/memberships.ts'
import { apiKeyStream } from '../../../domain/api-keys/api-key.ts'
import { hashKeySecret } from '../../../domain/api-keys/key-secret.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { NO_STREAM } from '../../../infra/ports/event-store.ts'
import { findApiKeyByHash } from '../../../projections/api-keys/key-lookup.ts'
import { findApiKey, listApiKeys } from '../../../projections/api-keys/queries.ts'
import { rebuildReadModel } from '../../../projections/rebuild.ts'
import { sqlEmailReservations } from '../../../projections/users/email-reservations.ts'
import { startReadModels, testContext } from '../../support/read-models.ts'

// The API keys read model: what the router finds by hash (rotation grace included) and what the
// admin API lists, rebuilt from the log to the same rows.
const context = testContext

async function platform() {
  const { db, store, projector: subscription } = await startReadModels()
  const clock = { now: new Date('2026-11-26T10:00:00Z') }
  const deps = { store, now: () => clock.now, newId: v7 }
  const org = await createOrganization(deps, { name: 'Acme' }, context)
  const secrets = createSecretBox(db, parseKeyring(newKeyringText('k1')))
  return { db, deps, clock, subscription, secrets, organization_id: org.organization_id }
}

const lookup = (db: Awaited<ReturnType<typeof platform>>['db'], key: string) =>
  findApiKeyByHash(db, hashKeySecret(key))

describe('API keys read model', () => {
  it('carries the key’s models, limits, expiry and signature flag to the router and the admin API', async () => {
    const { db, deps, subscription, secrets, organization_id } = await platform()
    const users = { ...deps, emails: sqlEmailReservations(db) }
    const ada = await createUser(
      users,
      { email: 'ada@example.com', display_name: 'Ada', invite: false },
      context,
    )
    const owner = ada.user_id
    await setMembership(deps, { user_id: owner, organization_id, roles: ['member'] }, context)
    const input = {
      organization_id,
      name: 'ci',
      allowed_models: ['echo'],
      rpm_limit: 5,
      tpm_limit: 1000,
      expires_at: '2027-01-01T00:00:00.000Z',
      owner_user_id: owner,
      require_signature: true,
    }
    const key = await issueApiKey(deps, input, context, secrets)
    await subscription.catchUp()
    const found = await lookup(db, key.key)
    expect(found).toMatchObject({
      api_key_id: key.api_key_id,
      status: 'active',
      organization_status: 'active',
      allowed_models: ['echo'],
      rpm_limit: 5,
      tpm_limit: 1000,
      expires_at: '2027-01-01T00:00:00.000Z',
      valid_until: null,
      require_signature: true,
    })
    // The signing secret reaches the router sealed, and opens to the one the caller was shown.
    expect(found?.signing_secret).toMatchObject({ alg: 'AES-256-GCM' })
    expect(found?.signing_secret && (await secrets.open(found.signing_secret))).toBe(key.signing_secret)
    const view = await findApiKey(db, key.api_key_id)
    // Two events: ApiKeyIssued and ApiKeySigningSecretSet.
    expect(view).toMatchObject({ ...input, id: key.api_key_id, status: 'active', version: 1 })
    expect(view?.signing_secret_set_at).toBe('2026-11-26T10:00:00.000Z')
    expect(JSON.stringify(view)).not.toContain(hashKeySecret(key.key))
    expect(JSON.stringify(view)).not.toContain(key.key)
    const stored = JSON.stringify([
      (await db.query('SELECT data FROM events')).rows,
      (await db.query('SELECT * FROM rm_api_keys')).rows,
    ])
    expect(stored).not.toContain(key.signing_secret)
  })

  it('keeps a rotated-out secret until its grace ends; a later rotation shortens an earlier grace', async () => {
    const { db, deps, clock, subscription, organization_id } = await platform()
    const first = await issueApiKey(deps, { organization_id, name: 'ci' }, context)
    clock.now = new Date('2026-11-26T11:00:00Z')
    const second = await rotateApiKey(deps, { api_key_id: first.api_key_id, grace_seconds: 3600 }, context)
    await subscription.catchUp()
    expect(await lookup(db, first.key)).toMatchObject({ valid_until: '2026-11-26T12:00:00.000Z' })
    expect(await lookup(db, second.key)).toMatchObject({ api_key_id: first.api_key_id, valid_until: null })
    expect(await findApiKey(db, first.api_key_id)).toMatchObject({
      key_prefix: second.key_prefix,
      version: 1,
    })

    clock.now = new Date('2026-11-26T11:10:00Z')
    const third = await rotateApiKey(deps, { api_key_id: first.api_key_id, grace_seconds: 0 }, context)
    await subscription.catchUp()
    // Rotating with no grace (a leak) stops every earlier secret at once.
    expect(await lookup(db, first.key)).toMatchObject({ valid_until: '2026-11-26T11:10:00.000Z' })
    expect(await lookup(db, second.key)).toMatchObject({ valid_until: '2026-11-26T11:10:00.000Z' })
    expect(await lookup(db, third.key)).toMatchObject({ valid_until: null })
    // No secret, old or new, is in the log or a read model: only their hashes.
    const stored = JSON.stringify([
      (await db.query('SELECT data, metadata FROM events')).rows,
      (await db.query('SELECT * FROM rm_api_keys')).rows,
      (await db.query('SELECT * FROM rm_api_key_previous_hashes')).rows,
    ])
    for (const { key } of [first, second, third]) {
      expect(stored).not.toContain(key)
      expect(stored).toContain(hashKeySecret(key))
    }
  })

  it('marks a revoked key revoked under its current and its rotated-out hashes', async () => {
    const { db, deps, subscription, organization_id } = await platform()
    const first = await issueApiKey(deps, { organization_id, name: 'ci' }, context)
    const second = await rotateApiKey(deps, { api_key_id: first.api_key_id, grace_seconds: 600 }, context)
    await revokeApiKey(deps, { api_key_id: first.api_key_id }, context)
    await subscription.catchUp()
    expect(await lookup(db, first.key)).toMatchObject({ status: 'revoked' })
    expect(await lookup(db, second.key)).toMatchObject({ status: 'revoked' })
    expect(await findApiKey(db, first.api_key_id)).toMatchObject({
      status: 'revoked',
      revoked_at: '2026-11-26T10:00:00.000Z',
      version: 2,
    })
  })

  it('joins the organization’s status and allowed models', async () => {
    const { db, deps, subscription, organization_id } = await platform()
    const key = await issueApiKey(deps, { organization_id, name: 'ci' }, context)
    await updateOrganization(deps, { organization_id, settings: { allowed_models: ['echo'] } }, context)
    await suspendOrganization(deps, { organization_id, reason: 'unpaid' }, context)
    await subscription.catchUp()
    expect(await lookup(db, key.key)).toMatchObject({
      organization_status: 'suspended',
      organization_allowed_models: ['echo'],
      allowed_models: null,
    })
  })

  it('joins the organization’s limits and fail-open: none and fail closed until set, then what was set', async () => {
    const { db, deps, subscription, organization_id } = await platform()
    const key = await issueApiKey(deps, { organization_id, name: 'ci' }, context)
    await subscription.catchUp()
    expect(await lookup(db, key.key)).toMatchObject({
      organization_rpm_limit: null,
      organization_tpm_limit: null,
      organization_limits_fail_open: false,
    })
    const settings = { rpm_limit: 120, tpm_limit: 50_000, limits_fail_open: true }
    await updateOrganization(deps, { organization_id, settings }, context)
    await subscription.catchUp()
    expect(await lookup(db, key.key)).toMatchObject({
      organization_rpm_limit: 120,
      organization_tpm_limit: 50_000,
      organization_limits_fail_open: true,
    })
  })

  it('keeps a key issued before this issue (a v1 event, old key format) working, and revocable', async () => {
    const { db, deps, subscription, organization_id } = await platform()
    const legacyKey = `sk-aiaas-${'Ab1_'.repeat(8)}`
    const api_key_id = v7()
    const v1 = {
      api_key_id,
      organization_id,
      name: 'old',
      key_hash: hashKeySecret(legacyKey),
      key_prefix: legacyKey.slice(0, 13),
      issued_at: '2026-01-01T00:00:00.000Z',
    }
    const event = { id: v7(), type: 'ApiKeyIssued', schema_version: 1, data: v1, metadata: context }
    await deps.store.append(apiKeyStream(api_key_id), [event], NO_STREAM)
    await subscription.catchUp()
    expect(await lookup(db, legacyKey)).toMatchObject({
      api_key_id,
      status: 'active',
      allowed_models: null,
      rpm_limit: null,
      expires_at: null,
      require_signature: false,
    })
    await revokeApiKey(deps, { api_key_id }, context)
    await subscription.catchUp()
    expect(await lookup(db, legacyKey)).toMatchObject({ status: 'revoked' })
  })

  it('lists an organization’s keys in issue order, a page after a cursor', async () => {
    const { db, deps, subscription, organization_id } = await platform()
    const ids: string[] = []
    for (const name of ['a', 'b', 'c'])
      ids.push((await issueApiKey(deps, { organization_id, name }, context)).api_key_id)
    const other = await createOrganization(deps, { name: 'Other' }, context)
    await issueApiKey(deps, { organization_id: other.organization_id, name: 'x' }, context)
    await subscription.catchUp()
    const first = await listApiKeys(db, { organization_id, after: null, limit: 2 })
    expect(first.map((k) => k.id)).toEqual(ids.slice(0, 2))
    const rest = await listApiKeys(db, {
      organization_id,
      after: first[1]?.created_position ?? null,
      limit: 2,
    })
    expect(rest.map((k) => k.id)).toEqual(ids.slice(2))
  })

  it('lists keys in commit order, not id order: a key whose id is older but committed later comes later', async () => {
    const { db, deps, subscription, organization_id } = await platform()
    // Ids drawn before their commands commit: the second key to commit has the smaller id.
    const [older, newer] = [v7(), v7()]
    const drawn = [newer, v7(), older, v7()]
    const ordered = { ...deps, newId: () => drawn.shift() ?? v7() }
    await issueApiKey(ordered, { organization_id, name: 'first committed' }, context)
    await issueApiKey(ordered, { organization_id, name: 'second committed' }, context)
    await subscription.catchUp()
    const listed = await listApiKeys(db, { organization_id, after: null, limit: 10 })
    expect(listed.map((k) => k.id)).toEqual([newer, older])
  })

  it('is disposable: a rebuild from the log equals the live tables', async () => {
    const { db, deps, clock, subscription, secrets, organization_id } = await platform()
    for (const name of ['a', 'b', 'c']) {
      const key = await issueApiKey(
        deps,
        { organization_id, name, allowed_models: ['echo'], rpm_limit: 9 },
        context,
      )
      clock.now = new Date(clock.now.getTime() + 60_000)
      await rotateApiKey(deps, { api_key_id: key.api_key_id, grace_seconds: 300 }, context)
      await rotateApiKey(deps, { api_key_id: key.api_key_id, grace_seconds: 60 }, context)
      await rotateSigningSecret(deps, { api_key_id: key.api_key_id }, context, secrets)
      if (name === 'b') await revokeApiKey(deps, { api_key_id: key.api_key_id }, context)
    }
    await subscription.catchUp()
    const snapshot = async () => ({
      keys: (await db.query('SELECT * FROM rm_api_keys ORDER BY api_key_id')).rows,
      previous: (await db.query('SELECT * FROM rm_api_key_previous_hashes ORDER BY key_hash')).rows,
    })
    const live = await snapshot()
    expect(live.previous).toHaveLength(6)

    await rebuildReadModel(db, 'api-keys')
    expect(await snapshot()).toEqual(live)
  })
})

import { v7 } from 'uuid'
import { describe, expect, it } from 'vitest'
import { issueApiKey } from '../../../commands/api-keys/issue-api-key.ts'
import { rotateSigningSecret } from '../../../commands/api-keys/rotate-signing-secret.ts'
import { createOrganization } from '../../../commands/organizations/create-organization.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { startReadModels, testContext } from '../../support/read-models.ts'

// Signing secrets are sealed: on a process without AIAAS_KEK (a secret box with no keyring) a key
// that requires signatures, or a new signing secret, is refused with SECRETS_UNAVAILABLE and
// nothing is written; every other key is issued as before.

describe('signing secrets without a key-encryption key', () => {
  it('refuses require_signature and rotate-signing-secret, issues other keys', async () => {
    const { db, store } = await startReadModels()
    const deps = { store, now: () => new Date('2026-11-26T10:00:00Z'), newId: v7 }
    const { organization_id } = await createOrganization(deps, { name: 'Acme' }, testContext)
    const noKek = createSecretBox(db, undefined)
    const signed = issueApiKey(
      deps,
      { organization_id, name: 's', require_signature: true },
      testContext,
      noKek,
    )
    await expect(signed).rejects.toMatchObject({ code: 'SECRETS_UNAVAILABLE' })
    const plain = await issueApiKey(deps, { organization_id, name: 'p' }, testContext, noKek)
    expect(plain.signing_secret).toBeNull()
    const rotation = rotateSigningSecret(deps, { api_key_id: plain.api_key_id }, testContext, noKek)
    await expect(rotation).rejects.toMatchObject({ code: 'SECRETS_UNAVAILABLE' })
    const { rows } = await db.query<{ type: string }>(
      "SELECT type FROM events WHERE stream LIKE 'api_key-%' ORDER BY global_position",
    )
    expect(rows.map((row) => row.type)).toEqual(['ApiKeyIssued'])
  })
})

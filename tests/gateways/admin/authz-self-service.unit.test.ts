import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { TestDatabase } from '../../infra/contracts/test-database.ts'
import { makePglite } from '../../infra/pglite/fresh-pglite.ts'
import { auth } from './admin-app.ts'
import { as, startAuthzApp } from './authz-app.ts'

// Self-service over HTTP through the real policy: a signed-in person (a `user` subject) reads its
// own user and manages its own second factor, never another user's; it cannot drop its TOTP while
// an organization it belongs to requires MFA; a member is refused the key list.

type App = Awaited<ReturnType<typeof startAuthzApp>>
let handle: TestDatabase
let admin: App
const ids = { org: '', me: '', other: '' }

const person = (id: string): Subject => ({
  actor: `user:${id}`,
  kind: 'user',
  platform_admin: false,
  memberships: { [ids.org]: ['member'] },
})

const call: App['call'] = (...request) => admin.call(...request)

async function created(url: string, payload: object): Promise<string> {
  const response = await call('POST', url, auth, payload)
  expect(response.status).toBe(201)
  return response.body.id
}

beforeAll(async () => {
  handle = await makePglite()
  const secrets = createSecretBox(handle.db, parseKeyring(newKeyringText('k1')))
  admin = await startAuthzApp(handle.db, undefined, secrets)
  ids.org = await created('/organizations', { name: 'self-service' })
  ids.me = await created('/users', { email: 'me@self.test', display_name: 'Me' })
  ids.other = await created('/users', { email: 'other@self.test', display_name: 'Other' })
  for (const user of [ids.me, ids.other]) {
    const joined = await call('PUT', `/organizations/${ids.org}/members/${user}`, auth, { roles: ['member'] })
    expect(joined.status).toBe(200)
  }
})
afterAll(async () => {
  await admin?.close()
  await handle?.dispose()
})

const mfaRequired = (required: boolean) =>
  call('PATCH', `/organizations/${ids.org}`, auth, { settings: { mfa_required: required } })

describe('self-service', () => {
  it('lets a person read its own user and no other', async () => {
    const mine = await call('GET', `/users/${ids.me}`, as(person(ids.me)))
    expect([mine.status, mine.body.email]).toEqual([200, 'me@self.test'])
    const theirs = await call('GET', `/users/${ids.other}`, as(person(ids.me)))
    expect([theirs.status, theirs.body.code]).toEqual([403, 'FORBIDDEN'])
    expect(JSON.stringify(theirs.body)).not.toContain('other@self.test')
  })

  it('lets a person enrol its own TOTP, regenerate and disable it, and touch no one else', async () => {
    const me = as(person(ids.me))
    const enrolled = await call('POST', `/users/${ids.me}/mfa/totp`, me)
    expect(enrolled.status).toBe(201)
    expect(enrolled.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//)
    for (const [method, path] of [
      ['POST', 'mfa/totp'],
      ['POST', 'mfa/totp/confirm'],
      ['POST', 'mfa/recovery-codes'],
      ['DELETE', 'mfa/totp'],
    ] as const) {
      const refused = await call(
        method,
        `/users/${ids.other}/${path}`,
        me,
        method === 'POST' ? { code: '000000' } : undefined,
      )
      expect([path, refused.status, refused.body.code]).toEqual([path, 403, 'FORBIDDEN'])
    }
    expect((await call('DELETE', `/users/${ids.me}/mfa/totp`, me)).status).toBe(204)
  })

  it('refuses a person its own password, status and invitation', async () => {
    const me = as(person(ids.me))
    const patched = await call('PATCH', `/users/${ids.me}`, me, { display_name: 'Renamed' })
    expect([patched.status, patched.body.code]).toEqual([403, 'FORBIDDEN'])
    const password = await call('PUT', `/users/${ids.me}/password`, me, {
      password: 'a long enough password',
    })
    expect(password.status).toBe(403)
    expect((await call('POST', `/users/${ids.me}/invitation`, me)).status).toBe(403)
    expect((await call('GET', `/users/${ids.me}`, auth)).body.display_name).toBe('Me')
  })

  it('refuses a person to disable its own TOTP while its organization requires MFA; an admin may', async () => {
    const me = as(person(ids.me))
    expect((await call('POST', `/users/${ids.me}/mfa/totp`, me)).status).toBe(201)
    expect((await mfaRequired(true)).status).toBe(200)
    const refused = await call('DELETE', `/users/${ids.me}/mfa/totp`, me)
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({
      code: 'TOTP_REQUIRED_BY_ORGANIZATION',
      errors: { organization_ids: [ids.org] },
    })
    const stillEnrolling = await call('POST', `/users/${ids.me}/mfa/totp/confirm`, me, { code: '000000' })
    expect(stillEnrolling.body.code).toBe('TOTP_CODE_INVALID')
    expect((await call('DELETE', `/users/${ids.me}/mfa/totp`, auth)).status).toBe(204)
    expect((await mfaRequired(false)).status).toBe(200)
  })

  it('refuses a member the key list of its organization, and lets it read its own key', async () => {
    const me = as(person(ids.me))
    const own = await call('POST', '/api-keys', me, {
      organization_id: ids.org,
      name: 'mine',
      owner_user_id: ids.me,
    })
    expect(own.status).toBe(201)
    const listed = await call('GET', `/api-keys?organization_id=${ids.org}`, me)
    expect([listed.status, listed.body.code]).toEqual([403, 'FORBIDDEN'])
    expect((await call('GET', `/api-keys/${own.body.id}`, me)).status).toBe(200)
  })
})

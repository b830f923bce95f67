import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '../../../commands/credentials/verify-password.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { totpCode } from '../../../infra/crypto/totp.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { testContext } from '../../support/read-models.ts'
import { auth, startAdminApp } from './admin-app.ts'

// /admin/v1/users/{id}/password, /invitation, /mfa/… and /invitations/{token}/password on
// PostgreSQL, through the admin app as it is mounted.

const PASSWORD = 'correct horse battery staple'
let db: Database
let dispose: () => Promise<void>
let admin: Awaited<ReturnType<typeof startAdminApp>>
const logged: string[] = []
const KEYRING = newKeyringText('k1')
const secrets = () => createSecretBox(db, parseKeyring(KEYRING))

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('credential_routes')())
  admin = await startAdminApp(db, {
    secrets: secrets(),
    logStream: { write: (line) => logged.push(line) },
    logLevel: 'info',
  })
})
afterAll(async () => {
  await admin.close()
  await dispose()
})

const send = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: object,
  headers: object = auth,
) =>
  admin.app.inject({
    method,
    url: `/admin/v1${url}`,
    headers: { ...headers },
    ...(body ? { payload: body } : {}),
  })

async function newUser(): Promise<string> {
  const created = await send('POST', '/users', {
    email: `${v7()}@example.com`,
    display_name: 'Ada',
    invite: true,
  })
  expect(created.statusCode).toBe(201)
  return created.json().id
}

describe('admin API: passwords and invitations', () => {
  it('sets a password by an admin, within 12..128 characters', async () => {
    const user_id = await newUser()
    expect((await send('PUT', `/users/${user_id}/password`, { password: PASSWORD })).statusCode).toBe(204)
    const short = await send('PUT', `/users/${user_id}/password`, { password: 'too short' })
    expect(short.statusCode).toBe(422)
    expect(short.json()).toMatchObject({ code: 'PASSWORD_INVALID' })
    expect(short.body).not.toContain('too short')
    expect((await send('PUT', `/users/${v7()}/password`, { password: PASSWORD })).json()).toMatchObject({
      code: 'USER_NOT_FOUND',
    })
    expect((await send('PUT', `/users/${user_id}/password`, { password: PASSWORD }, {})).statusCode).toBe(401)
  })

  it('invites: the token sets the password once, without the admin token, and is never logged', async () => {
    const user_id = await newUser()
    const issued = await send('POST', `/users/${user_id}/invitation`)
    expect(issued.statusCode).toBe(201)
    expect(issued.headers['cache-control']).toBe('no-store')
    const { token, expires_at } = issued.json()
    expect(Date.parse(expires_at) - Date.now()).toBeGreaterThan(6 * 24 * 3600_000)
    const accept = () => send('POST', `/invitations/${token}/password`, { password: PASSWORD }, {})
    expect((await accept()).statusCode).toBe(204)
    const again = await accept()
    expect(again.statusCode).toBe(404)
    expect(again.json()).toMatchObject({ code: 'INVITATION_INVALID' })
    const deps = { store: admin.store, now: () => new Date(), newId: v7, secrets: secrets() }
    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'ok',
    })
    const events = await admin.store.readStream(`credentials-${user_id}`)
    expect(events.at(-1)).toMatchObject({ type: 'PasswordSet', metadata: { actor: `user:${user_id}` } })
    expect(logged.join('\n')).toContain('/invitations/[redacted]/password')
    expect(logged.join('\n')).not.toContain(token)
  })
})

describe('admin API: TOTP', () => {
  it('enrols (URI and QR once), confirms with a first code (recovery codes once), and resets', async () => {
    const user_id = await newUser()
    const enrol = await send('POST', `/users/${user_id}/mfa/totp`)
    expect(enrol.statusCode).toBe(201)
    expect(enrol.headers['cache-control']).toBe('no-store')
    const { otpauth_uri, qr } = enrol.json()
    expect(qr).toMatch(/^data:image\/png;base64,/)
    const secret = new URL(otpauth_uri).searchParams.get('secret') ?? ''
    const wrong = await send('POST', `/users/${user_id}/mfa/totp/confirm`, { code: '12345' })
    expect(wrong.statusCode).toBe(400)
    const confirm = () =>
      send('POST', `/users/${user_id}/mfa/totp/confirm`, { code: totpCode(secret, new Date()) })
    const confirmed = await confirm()
    expect(confirmed.statusCode).toBe(200)
    expect(confirmed.json().recovery_codes).toHaveLength(10)
    expect((await confirm()).json()).toMatchObject({ code: 'TOTP_NOT_PENDING' })
    expect((await send('POST', `/users/${user_id}/mfa/totp`)).json()).toMatchObject({
      code: 'TOTP_ALREADY_ENROLLED',
    })
    const regenerated = await send('POST', `/users/${user_id}/mfa/recovery-codes`)
    expect(regenerated.json().recovery_codes).toHaveLength(10)
    expect(regenerated.json().recovery_codes).not.toEqual(confirmed.json().recovery_codes)
    expect((await send('DELETE', `/users/${user_id}/mfa/totp`)).statusCode).toBe(204)
    expect((await send('POST', `/users/${user_id}/mfa/totp`)).statusCode).toBe(201)
  })

  it('answers a retried enrolment with the same Idempotency-Key 409, never a stored secret', async () => {
    const user_id = await newUser()
    const headers = { ...auth, 'idempotency-key': v7() }
    expect((await send('POST', `/users/${user_id}/mfa/totp`, undefined, headers)).statusCode).toBe(201)
    const replay = await send('POST', `/users/${user_id}/mfa/totp`, undefined, headers)
    expect(replay.statusCode).toBe(409)
    expect(replay.body).not.toContain('otpauth://')
    const stored = await db.query('SELECT * FROM admin_idempotency_keys')
    expect(JSON.stringify(stored.rows)).not.toContain('otpauth')
  })
})

import { Secret } from 'otpauth'
import { v7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { confirmTotp } from '../../../commands/credentials/confirm-totp.ts'
import type { CredentialDeps } from '../../../commands/credentials/credential-deps.ts'
import { disableTotp } from '../../../commands/credentials/disable-totp.ts'
import { enrolTotp } from '../../../commands/credentials/enrol-totp.ts'
import { acceptInvitation, issueInvitation } from '../../../commands/credentials/invitation.ts'
import { setPassword } from '../../../commands/credentials/set-password.ts'
import { verifyPassword } from '../../../commands/credentials/verify-password.ts'
import { verifySecondFactor } from '../../../commands/credentials/verify-second-factor.ts'
import { createUser } from '../../../commands/users/create-user.ts'
import { updateUser } from '../../../commands/users/update-user.ts'
import { credentialStream } from '../../../domain/credentials/credentials.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { hashPassword, needsRehash } from '../../../infra/crypto/password.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { totpCode } from '../../../infra/crypto/totp.ts'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import type { Database } from '../../../infra/ports/database.ts'
import type { EventStore } from '../../../infra/ports/event-store.ts'
import { sqlEmailReservations } from '../../../projections/users/email-reservations.ts'
import { makePostgres } from '../../infra/postgres/fresh-schema.ts'
import { testContext } from '../../support/read-models.ts'

const PASSWORD = 'correct horse battery staple'
let db: Database
let dispose: () => Promise<void>
beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('credentials')())
})
afterAll(() => dispose())

/** Deps on PostgreSQL with a clock the test moves. */
function credentialDeps(store: EventStore = createEventStore(db)) {
  const clock = { now: new Date('2026-11-26T10:00:00Z') }
  const secrets = createSecretBox(db, parseKeyring(newKeyringText('k1')))
  const deps: CredentialDeps = { store, now: () => clock.now, newId: v7, secrets }
  const advance = (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms)
  }
  return { deps, clock, advance }
}

async function newUser(deps: CredentialDeps): Promise<string> {
  const emails = sqlEmailReservations(db)
  const input = { email: `${v7()}@example.com`, display_name: 'Ada', invite: true }
  return (await createUser({ ...deps, emails }, input, testContext)).user_id
}

/** A user with a confirmed TOTP; the secret as the authenticator app would read it from the URI. */
async function enrolled(deps: CredentialDeps, advance: (ms: number) => void, user?: string) {
  const user_id = user ?? (await newUser(deps))
  const { otpauth_uri } = await enrolTotp(deps, { user_id }, testContext)
  const secret = new URL(otpauth_uri).searchParams.get('secret') ?? ''
  const { recovery_codes } = await confirmTotp(
    deps,
    { user_id, code: totpCode(secret, deps.now()) },
    testContext,
  )
  advance(30_000)
  return { user_id, secret, recovery_codes }
}

describe('credentials on PostgreSQL: passwords', () => {
  it('invitation → password set → verify; the invitation works once', async () => {
    const { deps } = credentialDeps()
    const user_id = await newUser(deps)
    const { token } = await issueInvitation(deps, { user_id }, testContext)
    expect(await acceptInvitation(deps, { token, password: PASSWORD }, testContext)).toMatchObject({
      user_id,
    })
    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'ok',
    })
    expect(await verifyPassword(deps, { user_id, password: `${PASSWORD}!` }, testContext)).toEqual({
      outcome: 'invalid',
    })
    await expect(
      acceptInvitation(deps, { token, password: 'another long password' }, testContext),
    ).rejects.toMatchObject({ code: 'INVITATION_INVALID' })
    await expect(
      acceptInvitation(deps, { token: `${user_id}.${'A'.repeat(43)}`, password: PASSWORD }, testContext),
    ).rejects.toMatchObject({ code: 'INVITATION_INVALID' })
  })

  it('re-hashes a password stored under older argon2id parameters at the sign-in that proves it', async () => {
    const { deps } = credentialDeps()
    const user_id = await newUser(deps)
    const weak = await hashPassword(PASSWORD, { memory: 8_192, passes: 1, parallelism: 1 })
    // A password stored before the parameters were raised: written as the admin's command would.
    const data = {
      user_id,
      password_id: v7(),
      password: await deps.secrets.seal(weak),
      via: 'admin',
      at: deps.now().toISOString(),
    }
    const set = { id: v7(), type: 'PasswordSet', schema_version: 1, data, metadata: testContext }
    await deps.store.append(credentialStream(user_id), [set], 'any')
    const hashes = async () => {
      const events = await deps.store.readStream(credentialStream(user_id))
      const sets = events.filter((e) => e.type === 'PasswordSet')
      return Promise.all(
        sets.map(async (e) => ({
          via: e.data.via,
          phc: await deps.secrets.open(e.data.password as Parameters<typeof deps.secrets.open>[0]),
        })),
      )
    }

    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'ok',
    })
    const after = await hashes()
    expect(after.map((h) => h.via)).toEqual(['admin', 'rehash'])
    expect(needsRehash(after[1]?.phc ?? '')).toBe(false)
    // The new hash is of the same password; no further re-hash.
    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'ok',
    })
    expect(await hashes()).toHaveLength(2)
  })

  it('refuses an expired invitation and a password outside 12..128 characters', async () => {
    const { deps, advance } = credentialDeps()
    const user_id = await newUser(deps)
    const { token } = await issueInvitation(deps, { user_id }, testContext)
    await expect(acceptInvitation(deps, { token, password: 'short' }, testContext)).rejects.toMatchObject({
      code: 'PASSWORD_INVALID',
    })
    advance(7 * 24 * 3600_000)
    await expect(acceptInvitation(deps, { token, password: PASSWORD }, testContext)).rejects.toMatchObject({
      code: 'INVITATION_EXPIRED',
    })
  })

  it('locks after five failures, refuses even the right password while locked, backs off, and an admin reset ends it', async () => {
    const { deps, advance } = credentialDeps()
    const user_id = await newUser(deps)
    await setPassword(deps, { user_id, password: PASSWORD }, testContext)
    const attempt = (password: string) => verifyPassword(deps, { user_id, password }, testContext)
    for (let i = 0; i < 4; i++) expect(await attempt('wrong password!!')).toEqual({ outcome: 'invalid' })
    expect(await attempt('wrong password!!')).toEqual({ outcome: 'invalid' })
    expect(await attempt(PASSWORD)).toEqual({ outcome: 'locked', retry_after_seconds: 30 })
    advance(30_000)
    expect(await attempt('wrong password!!')).toEqual({ outcome: 'invalid' })
    // The sixth failure locks twice as long as the fifth.
    expect(await attempt(PASSWORD)).toEqual({ outcome: 'locked', retry_after_seconds: 60 })
    advance(60_000)
    expect(await attempt(PASSWORD)).toEqual({ outcome: 'ok' })
    const types = (await deps.store.readStream(credentialStream(user_id))).map((event) => event.type)
    expect(types.filter((type) => type === 'PasswordAttemptFailed')).toHaveLength(6)
    expect(types.at(-1)).toBe('PasswordAttemptsReset')

    for (let i = 0; i < 5; i++) await attempt('wrong password!!')
    expect(await attempt(PASSWORD)).toMatchObject({ outcome: 'locked' })
    await setPassword(deps, { user_id, password: 'a brand new password' }, testContext)
    expect(await attempt('a brand new password')).toEqual({ outcome: 'ok' })
  })

  it('answers invalid, recording nothing, for a user without a password, unknown or disabled', async () => {
    const { deps } = credentialDeps()
    const user_id = await newUser(deps)
    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'invalid',
    })
    await setPassword(deps, { user_id, password: PASSWORD }, testContext)
    await updateUser(deps, { user_id, disabled: true }, testContext)
    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'invalid',
    })
    expect(await verifyPassword(deps, { user_id: v7(), password: PASSWORD }, testContext)).toEqual({
      outcome: 'invalid',
    })
    const types = (await deps.store.readStream(credentialStream(user_id))).map((event) => event.type)
    expect(types).toEqual(['PasswordSet'])
  })
})

describe('credentials on PostgreSQL: TOTP', () => {
  it('enrols, confirms, accepts a code once, refuses its replay and an older step', async () => {
    const { deps, advance } = credentialDeps()
    const { user_id, secret } = await enrolled(deps, advance)
    const verify = (code: string) => verifySecondFactor(deps, { user_id, code }, testContext)
    const code = totpCode(secret, deps.now())
    expect(await verify(code)).toEqual({ outcome: 'ok', method: 'totp' })
    expect(await verify(code)).toEqual({ outcome: 'replayed' })
    // The previous step is inside the drift window, but older than the step just used.
    expect(await verify(totpCode(secret, new Date(deps.now().getTime() - 30_000)))).toEqual({
      outcome: 'replayed',
    })
    expect(await verify(code === '000000' ? '111111' : '000000')).toEqual({ outcome: 'invalid' })
    advance(30_000)
    expect(await verify(totpCode(secret, deps.now()))).toEqual({ outcome: 'ok', method: 'totp' })
  })

  it('of two concurrent checks of one code, exactly one succeeds', async () => {
    const base = createEventStore(db)
    // Both checks have read the stream before either appends: the version check decides.
    let arrived = 0
    let release = () => {}
    const bothRead = new Promise<void>((resolve) => {
      release = resolve
    })
    let racing = false
    const store: EventStore = {
      ...base,
      append: async (...args) => {
        if (racing) {
          arrived += 1
          if (arrived === 2) release()
          if (arrived <= 2) await bothRead
        }
        return base.append(...args)
      },
    }
    const { deps, advance } = credentialDeps(store)
    const { user_id, secret } = await enrolled(deps, advance)
    const code = totpCode(secret, deps.now())
    racing = true
    const outcomes = await Promise.all([
      verifySecondFactor(deps, { user_id, code }, testContext),
      verifySecondFactor(deps, { user_id, code }, testContext),
    ])
    expect(outcomes).toEqual(
      expect.arrayContaining([{ outcome: 'ok', method: 'totp' }, { outcome: 'replayed' }]),
    )
    const accepted = (await base.readStream(credentialStream(user_id))).filter(
      (e) => e.type === 'TotpCodeAccepted',
    )
    expect(accepted).toHaveLength(1)
  })

  it('accepts each recovery code once, and none after an admin reset', async () => {
    const { deps, advance } = credentialDeps()
    const { user_id, recovery_codes } = await enrolled(deps, advance)
    expect(recovery_codes).toHaveLength(10)
    const [first = '', second = ''] = recovery_codes
    const verify = (code: string) => verifySecondFactor(deps, { user_id, code }, testContext)
    expect(await verify(first.toLowerCase())).toEqual({ outcome: 'ok', method: 'recovery_code' })
    expect(await verify(first)).toEqual({ outcome: 'replayed' })
    await disableTotp(deps, { user_id }, testContext)
    await expect(verify(second)).rejects.toMatchObject({ code: 'TOTP_NOT_ENROLLED' })
  })

  it('locks the second factor after five wrong codes, apart from the password', async () => {
    const { deps, advance } = credentialDeps()
    const { user_id, secret } = await enrolled(deps, advance)
    await setPassword(deps, { user_id, password: PASSWORD }, testContext)
    const right = totpCode(secret, deps.now())
    const wrong = right === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++) {
      expect(await verifySecondFactor(deps, { user_id, code: wrong }, testContext)).toEqual({
        outcome: 'invalid',
      })
    }
    expect(await verifySecondFactor(deps, { user_id, code: right }, testContext)).toEqual({
      outcome: 'locked',
      retry_after_seconds: 30,
    })
    expect(await verifyPassword(deps, { user_id, password: PASSWORD }, testContext)).toEqual({
      outcome: 'ok',
    })
  })
})

describe('credentials on PostgreSQL: no secret in plaintext', () => {
  it('keeps the TOTP secret, password, invitation token and recovery codes out of every event and table', async () => {
    const { deps, advance } = credentialDeps()
    const user_id = await newUser(deps)
    const { token } = await issueInvitation(deps, { user_id }, testContext)
    await acceptInvitation(deps, { token, password: PASSWORD }, testContext)
    const { secret, recovery_codes } = await enrolled(deps, advance, user_id)
    await verifySecondFactor(deps, { user_id, code: totpCode(secret, deps.now()) }, testContext)
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
    )
    let everything = ''
    for (const { table_name } of tables.rows) {
      everything += JSON.stringify((await db.query(`SELECT * FROM "${table_name}"`)).rows)
    }
    expect(everything).toContain('TotpConfirmed')
    const raw = Buffer.from(Secret.fromBase32(secret).bytes)
    for (const plain of [
      secret,
      raw.toString('base64'),
      raw.toString('hex'),
      PASSWORD,
      token,
      ...recovery_codes,
    ]) {
      expect(everything).not.toContain(plain)
    }
    expect(everything).not.toContain('$argon2id$')
  })
})

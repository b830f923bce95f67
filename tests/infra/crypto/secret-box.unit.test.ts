import { mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../../../domain/errors.ts'
import { kekPath, resolveKeyring } from '../../../infra/crypto/kek-file.ts'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { rotateKek } from '../../../infra/crypto/rotate-kek.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { makePglite } from '../pglite/fresh-pglite.ts'

const SECRET = 'sk-provider-4f1c9e2a7b3d8e6f0a1b'
const disposers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose()
})

async function database(): Promise<Database> {
  const { db, dispose } = await makePglite()
  disposers.push(dispose)
  return db
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  )

describe('envelope encryption', () => {
  it('seals a secret that opens again, with no plaintext in the envelope or the key table', async () => {
    const db = await database()
    const box = createSecretBox(db, parseKeyring(newKeyringText('k1')))
    const sealed = await box.seal(SECRET)
    expect(await box.open(sealed)).toBe(SECRET)
    const keys = JSON.stringify((await db.query('SELECT * FROM secret_data_keys')).rows)
    expect(JSON.stringify(sealed) + keys).not.toContain(SECRET)
    expect(JSON.stringify(sealed) + keys).not.toContain(Buffer.from(SECRET).toString('base64'))
    expect(keys).toContain('"kek_id":"k1"')
  })

  it('uses a new data key per secret, so one secret never opens with another’s key', async () => {
    const db = await database()
    const box = createSecretBox(db, parseKeyring(newKeyringText('k1')))
    const a = await box.seal(SECRET)
    const b = await box.seal(SECRET)
    expect(a.data_key_id).not.toBe(b.data_key_id)
    expect(a.ciphertext).not.toBe(b.ciphertext)
    expect(await codeOf(box.open({ ...a, data_key_id: b.data_key_id }))).toBe('SECRET_UNREADABLE')
  })

  it('refuses an altered ciphertext or tag', async () => {
    const db = await database()
    const box = createSecretBox(db, parseKeyring(newKeyringText('k1')))
    const sealed = await box.seal(SECRET)
    const flipped = Buffer.from(sealed.ciphertext, 'base64')
    flipped[0] = (flipped[0] ?? 0) ^ 1
    expect(await codeOf(box.open({ ...sealed, ciphertext: flipped.toString('base64') }))).toBe(
      'SECRET_UNREADABLE',
    )
    expect(await codeOf(box.open({ ...sealed, tag: sealed.iv.padEnd(24, 'A') }))).toBe('SECRET_UNREADABLE')
  })

  it('refuses to open with a KEK that did not wrap the data key', async () => {
    const db = await database()
    const sealed = await createSecretBox(db, parseKeyring(newKeyringText('k1'))).seal(SECRET)
    const other = createSecretBox(db, parseKeyring(newKeyringText('k1')))
    expect(await codeOf(other.open(sealed))).toBe('SECRET_UNREADABLE')
  })

  it('without AIAAS_KEK, refuses to seal or open with SECRETS_UNAVAILABLE', async () => {
    const db = await database()
    const sealed = await createSecretBox(db, parseKeyring(newKeyringText('k1'))).seal(SECRET)
    const none = createSecretBox(db, undefined)
    expect(await codeOf(none.seal(SECRET))).toBe('SECRETS_UNAVAILABLE')
    expect(await codeOf(none.open(sealed))).toBe('SECRETS_UNAVAILABLE')
  })
})

describe('rotate-kek', () => {
  it('re-wraps every data key with the new KEK; the secrets read back without the old one', async () => {
    const db = await database()
    const k1 = newKeyringText('k1')
    const k2 = newKeyringText('k2')
    const old = createSecretBox(db, parseKeyring(k1))
    const sealed = await Promise.all(Array.from({ length: 5 }, (_, i) => old.seal(`${SECRET}-${i}`)))

    expect(await rotateKek(db, parseKeyring(`${k2},${k1}`))).toEqual({ rewrapped: 5, skipped: 0 })

    const onlyNew = createSecretBox(db, parseKeyring(k2))
    const opened = await Promise.all(sealed.map((s) => onlyNew.open(s)))
    expect(opened).toEqual(sealed.map((_, i) => `${SECRET}-${i}`))
    expect(await codeOf(Promise.all(sealed.map((s) => old.open(s))))).toBe('SECRET_UNREADABLE')
    // A second run finds nothing left to do.
    expect(await rotateKek(db, parseKeyring(`${k2},${k1}`))).toEqual({ rewrapped: 0, skipped: 0 })
  })

  it('stops, naming the KEK, when a data key is wrapped by a KEK the keyring lacks', async () => {
    const db = await database()
    await createSecretBox(db, parseKeyring(newKeyringText('k1'))).seal(SECRET)
    const error = await rotateKek(db, parseKeyring(newKeyringText('k2'))).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'SECRET_UNREADABLE', message: expect.stringContaining('k1') })
  })
})

describe('AIAAS_KEK', () => {
  it('accepts id:base64 entries and refuses malformed ones without echoing them', () => {
    expect(parseKeyring(`${newKeyringText('new')},${newKeyringText('old')}`).active.id).toBe('new')
    const short = `k1:${Buffer.alloc(16).toString('base64')}`
    expect(() => parseKeyring(short)).toThrow(/32 bytes/)
    expect(() => parseKeyring(short)).not.toThrow(new RegExp(short.slice(3, 10)))
    expect(() => parseKeyring(Buffer.alloc(32).toString('base64'))).toThrow(/<id>:/)
    const twice = newKeyringText('k1')
    expect(() => parseKeyring(`${twice},${twice}`)).toThrow(/distinct/)
  })

  it('embedded mode generates one key into the data dir, mode 0600, and keeps it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiaas-kek-'))
    const first = await resolveKeyring(undefined, dir, 'embedded')
    const again = await resolveKeyring(undefined, dir, 'embedded')
    expect(first?.active.key.equals(again?.active.key ?? Buffer.alloc(0))).toBe(true)
    expect((await stat(kekPath(dir))).mode & 0o777).toBe(0o600)
    expect((await readFile(kekPath(dir), 'utf8')).trim()).toMatch(/^local-[0-9a-f]{8}:/)
    expect(await resolveKeyring(undefined, dir, 'separate')).toBeUndefined()
  })
})

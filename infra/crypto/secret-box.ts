import { randomBytes, randomUUID } from 'node:crypto'
import { AppError } from '../../domain/errors.ts'
import type { SealedSecret } from '../../domain/secrets/sealed-secret.ts'
import type { Sql } from '../ports/database.ts'
import type { SecretBox } from '../ports/secret-box.ts'
import { decrypt, encrypt } from './aes-gcm.ts'
import { findDataKey, insertDataKey, unwrapDataKey, type WrappedDataKey, wrapDataKey } from './data-keys.ts'
import type { Keyring } from './keyring.ts'

const aad = (dataKeyId: string) => `aiaas-secret:${dataKeyId}`

const unreadable = (dataKeyId: string, why: string) =>
  new AppError('SECRET_UNREADABLE', `a stored secret cannot be decrypted: ${why}`, {
    data_key_id: dataKeyId,
  })

/**
 * Envelope encryption on the SQL database: a fresh 256-bit data key per secret, stored wrapped by
 * the keyring's active KEK. Without a keyring (AIAAS_KEK unset on a separate process) every call
 * fails with SECRETS_UNAVAILABLE, so everything that needs no secret keeps working.
 */
export function createSecretBox(
  db: Sql,
  keyring: Keyring | undefined,
  /** Where open() finds a data key; a router also looks in its local copy (gateways/router/replica-secrets.ts). */
  findKey: (dataKeyId: string) => Promise<WrappedDataKey | null> = (id) => findDataKey(db, id),
): SecretBox {
  const ring = () => {
    if (!keyring) throw new AppError('SECRETS_UNAVAILABLE', 'no key-encryption key is configured (AIAAS_KEK)')
    return keyring
  }
  return {
    async seal(plaintext) {
      const { active } = ring()
      const dataKeyId = randomUUID()
      const dataKey = randomBytes(32)
      // The key row is written before any event names it: a failed append leaves an unused key
      // behind, never an event whose secret cannot be opened.
      await insertDataKey(db, wrapDataKey(active, dataKeyId, dataKey))
      const sealed = encrypt(dataKey, Buffer.from(plaintext, 'utf8'), aad(dataKeyId))
      dataKey.fill(0)
      return {
        data_key_id: dataKeyId,
        alg: 'AES-256-GCM',
        iv: sealed.iv.toString('base64'),
        ciphertext: sealed.ciphertext.toString('base64'),
        tag: sealed.tag.toString('base64'),
      }
    },
    async open(sealed: SealedSecret) {
      const id = sealed.data_key_id
      const row = await findKey(id)
      if (!row) throw unreadable(id, 'its data key is gone')
      const kek = ring().find(row.kek_id)
      if (!kek) throw unreadable(id, `key-encryption key ${row.kek_id} is not in AIAAS_KEK`)
      try {
        const dataKey = unwrapDataKey(kek, row)
        const encrypted = {
          iv: Buffer.from(sealed.iv, 'base64'),
          ciphertext: Buffer.from(sealed.ciphertext, 'base64'),
          tag: Buffer.from(sealed.tag, 'base64'),
        }
        return decrypt(dataKey, encrypted, aad(id)).toString('utf8')
      } catch {
        throw unreadable(id, 'authentication failed (wrong key or altered data)')
      }
    },
  }
}

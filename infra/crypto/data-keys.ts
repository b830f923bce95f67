import type { Sql } from '../ports/database.ts'
import { decrypt, type Encrypted, encrypt } from './aes-gcm.ts'
import type { Kek } from './keyring.ts'

// The secret_data_keys table: one data key per secret, stored only wrapped by a KEK. The AAD names
// the data key, so a wrapped key copied onto another row does not unwrap.
export interface WrappedDataKey {
  data_key_id: string
  kek_id: string
  wrapped: Encrypted
}

const aad = (dataKeyId: string) => `aiaas-data-key:${dataKeyId}`
const b64 = (buffer: Buffer) => buffer.toString('base64')

export function wrapDataKey(kek: Kek, dataKeyId: string, dataKey: Buffer): WrappedDataKey {
  return { data_key_id: dataKeyId, kek_id: kek.id, wrapped: encrypt(kek.key, dataKey, aad(dataKeyId)) }
}

export function unwrapDataKey(kek: Kek, row: WrappedDataKey): Buffer {
  return decrypt(kek.key, row.wrapped, aad(row.data_key_id))
}

export async function insertDataKey(db: Sql, row: WrappedDataKey): Promise<void> {
  const { data_key_id, kek_id, iv, wrapped_key, tag } = toStored(row)
  await db.query(
    'INSERT INTO secret_data_keys (data_key_id, kek_id, iv, wrapped_key, tag) VALUES ($1, $2, $3, $4, $5)',
    [data_key_id, kek_id, iv, wrapped_key, tag],
  )
}

/** A wrapped data key as text (a secret_data_keys row, or a router replica's copy of one). */
export interface StoredDataKey {
  data_key_id: string
  kek_id: string
  iv: string
  wrapped_key: string
  tag: string
}
type DataKeyRow = StoredDataKey & { [column: string]: unknown }

export const toStored = ({ data_key_id, kek_id, wrapped }: WrappedDataKey): StoredDataKey => ({
  data_key_id,
  kek_id,
  iv: b64(wrapped.iv),
  wrapped_key: b64(wrapped.ciphertext),
  tag: b64(wrapped.tag),
})

export const fromStored = (row: StoredDataKey): WrappedDataKey => ({
  data_key_id: row.data_key_id,
  kek_id: row.kek_id,
  wrapped: {
    iv: Buffer.from(row.iv, 'base64'),
    ciphertext: Buffer.from(row.wrapped_key, 'base64'),
    tag: Buffer.from(row.tag, 'base64'),
  },
})

const COLUMNS = 'data_key_id, kek_id, iv, wrapped_key, tag'

export async function findDataKey(db: Sql, dataKeyId: string): Promise<WrappedDataKey | null> {
  const { rows } = await db.query<DataKeyRow>(
    `SELECT ${COLUMNS} FROM secret_data_keys WHERE data_key_id = $1`,
    [dataKeyId],
  )
  return rows[0] ? fromStored(rows[0]) : null
}

/** Up to `limit` data keys wrapped by another KEK than `kekId`, in id order after `after`. */
export async function dataKeysNotWrappedBy(
  db: Sql,
  kekId: string,
  after: string | null,
  limit: number,
): Promise<WrappedDataKey[]> {
  const { rows } = await db.query<DataKeyRow>(
    `SELECT ${COLUMNS} FROM secret_data_keys
      WHERE kek_id <> $1 AND ($2::uuid IS NULL OR data_key_id > $2::uuid)
      ORDER BY data_key_id LIMIT $3`,
    [kekId, after, limit],
  )
  return rows.map(fromStored)
}

/** Replaces a wrapping only if the row is still wrapped by `previousKekId`; false when it was not. */
export async function replaceWrapping(db: Sql, row: WrappedDataKey, previousKekId: string): Promise<boolean> {
  const { iv, ciphertext, tag } = row.wrapped
  const { rowCount } = await db.query(
    `UPDATE secret_data_keys SET kek_id = $2, iv = $3, wrapped_key = $4, tag = $5, rewrapped_at = now()
      WHERE data_key_id = $1 AND kek_id = $6`,
    [row.data_key_id, row.kek_id, b64(iv), b64(ciphertext), b64(tag), previousKekId],
  )
  return rowCount === 1
}

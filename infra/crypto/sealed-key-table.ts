import { sealedSecretSchema } from '../../domain/secrets/sealed-secret.ts'
import type { Database, Sql } from '../ports/database.ts'
import type { SecretBox } from '../ports/secret-box.ts'

// A table of private JWKs sealed by the secret box — (kid, alg, sealed, created_at): the OIDC
// issuer's signing keys (oidc_signing_keys) and the audit anchor keys (audit_anchor_keys). The
// plaintext keys live in the reading process's memory only.

/** The least a stored key is: a JWK naming its own kid and alg. */
interface KeyJwk {
  kid: string
  alg: string
}

export interface SealedKeyTable<K extends KeyJwk> {
  /** Rotation: a new key, stored sealed; every stored key stays readable (the JWKS keeps it). */
  add(db: Sql, box: SecretBox): Promise<K>
  /**
   * The stored keys, newest first (the first signs); when there is none, one is generated and
   * stored. Starts racing on an empty table queue on a transaction lock: the loser's key is never
   * stored (its sealed data key stays unused), and every process signs with the one stored key.
   */
  load(db: Database, box: SecretBox): Promise<K[]>
}

/** `table` and `what` are constants of the caller (never input): the table's name and its keys' name in errors. */
export function sealedKeyTable<K extends KeyJwk>(
  table: string,
  what: string,
  newKey: () => K,
): SealedKeyTable<K> {
  const insert = `INSERT INTO ${table} (kid, alg, sealed) VALUES ($1, $2, $3)`

  async function read(db: Sql, box: SecretBox): Promise<K[]> {
    const { rows } = await db.query<{ kid: string; sealed: unknown }>(
      `SELECT kid, sealed FROM ${table} ORDER BY created_at DESC, kid`,
    )
    const keys: K[] = []
    for (const row of rows) {
      const jwk = JSON.parse(await box.open(sealedSecretSchema.parse(row.sealed))) as K
      if (jwk.kid !== row.kid) throw new Error(`${what} ${row.kid} does not hold its own kid`)
      keys.push(jwk)
    }
    return keys
  }

  return {
    async add(db, box) {
      const key = newKey()
      const sealed = await box.seal(JSON.stringify(key))
      await db.query(insert, [key.kid, key.alg, JSON.stringify(sealed)])
      return key
    },
    async load(db, box) {
      const stored = await read(db, box)
      if (stored.length > 0) return stored
      const key = newKey()
      // Sealed before the transaction: sealing writes its data key row through the box's own
      // connection, which must not wait on the lock held here.
      const sealed = await box.seal(JSON.stringify(key))
      await db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('aiaas.${table}', 0))`)
        const { rows } = await tx.query(`SELECT 1 FROM ${table} LIMIT 1`)
        if (rows.length > 0) return
        await tx.query(insert, [key.kid, key.alg, JSON.stringify(sealed)])
      })
      return read(db, box)
    },
  }
}

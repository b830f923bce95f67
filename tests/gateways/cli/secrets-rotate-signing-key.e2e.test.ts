import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { loadSigningKeys } from '../../../infra/oidc/signing-keys.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { freshDatabase } from '../../support/fresh-database.ts'
import { CLI } from '../../support/processes.ts'

// `aiaas secrets rotate-signing-key` as an operator runs it, on real PostgreSQL.
const aiaas = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, AIAAS_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  })

describe('aiaas secrets rotate-signing-key', () => {
  it('adds a sealed signing key that becomes the first; it needs AIAAS_KEK', async () => {
    const { url } = await freshDatabase('rotatesigning')
    const kek = newKeyringText('k1')
    expect(aiaas(['migrate'], { AIAAS_DATABASE_URL: url }).status).toBe(0)
    const refused = aiaas(['secrets', 'rotate-signing-key'], { AIAAS_DATABASE_URL: url })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain('AIAAS_KEK is required')

    const kids: string[] = []
    for (const _ of [1, 2]) {
      const run = aiaas(['secrets', 'rotate-signing-key'], { AIAAS_DATABASE_URL: url, AIAAS_KEK: kek })
      expect(run.status, run.stderr).toBe(0)
      const kid = /added signing key ([0-9a-f-]{36})/.exec(run.stdout)?.[1]
      expect(kid).toBeDefined()
      kids.push(kid ?? '')
    }
    const db = createPostgresDatabase(url)
    try {
      const keys = await loadSigningKeys(db, createSecretBox(db, parseKeyring(kek)))
      expect(keys.map((k) => k.kid)).toEqual([...kids].reverse())
      const { rows } = await db.query<{ row: string }>('SELECT t::text AS row FROM oidc_signing_keys t')
      for (const key of keys) expect(rows.map((r) => r.row).join()).not.toContain(key.d)
    } finally {
      await db.close()
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newKeyringText, parseKeyring } from '../../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { migrate } from '../../../infra/migrations/migrate.ts'
import type { Database } from '../../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../../infra/postgres/database.ts'
import { databaseUrl, freshSchema } from '../../infra/postgres/fresh-schema.ts'
import { runAiaas } from '../../support/processes.ts'

// `aiaas secrets rotate-kek` as an operator runs it, on real PostgreSQL: secrets sealed under the
// old KEK read back with only the new one afterwards.
let db: Database
let schema: string
let drop: () => Promise<void>

beforeAll(async () => {
  ;({ schema, drop } = await freshSchema('rotatekek'))
  db = createPostgresDatabase(databaseUrl(), { schema })
  await migrate(db)
})
afterAll(async () => {
  await db?.close()
  await drop?.()
})

const aiaas = (args: string[], env: Record<string, string>) => runAiaas(args, env)

describe('aiaas secrets rotate-kek', () => {
  it('re-wraps every data key with the new KEK; the secrets read back without the old one', async () => {
    const oldKek = newKeyringText('2026-01')
    const newKek = newKeyringText('2026-11')
    const before = createSecretBox(db, parseKeyring(oldKek))
    const plaintexts = ['sk-one-0123456789abcdef', 'sk-two-0123456789abcdef', 'sk-three-0123456789abc']
    const sealed = []
    for (const p of plaintexts) sealed.push(await before.seal(p))

    // The schema rides in the URL, as any libpq option does.
    const url = `${databaseUrl()}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
    const run = await aiaas(['secrets', 'rotate-kek'], {
      AIAAS_DATABASE_URL: url,
      AIAAS_KEK: `${newKek},${oldKek}`,
    })
    expect(run.output).toContain('re-wrapped 3 data keys with 2026-11')
    expect(run.code).toBe(0)

    const after = createSecretBox(db, parseKeyring(newKek))
    const opened = []
    for (const s of sealed) opened.push(await after.open(s))
    expect(opened).toEqual(plaintexts)
    await expect(Promise.all(sealed.map((s) => before.open(s)))).rejects.toMatchObject({
      code: 'SECRET_UNREADABLE',
    })
    // The key material never reaches the output.
    expect(run.output).not.toContain(newKek.split(':')[1])
  })

  it('refuses to run without AIAAS_KEK, and names the usage for an unknown subcommand', async () => {
    const none = await aiaas(['secrets', 'rotate-kek'], { AIAAS_DATABASE_URL: databaseUrl() })
    expect(none.code).toBe(1)
    expect(none.output).toContain('AIAAS_KEK must list the new key first')
    const unknown = await aiaas(['secrets', 'shred'], {})
    expect(unknown.code).toBe(2)
    expect(unknown.output).toContain('usage: aiaas secrets rotate-kek')
  })
})

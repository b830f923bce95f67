import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { onTestFinished } from 'vitest'
import { loadConfig } from '../../infra/config/config.ts'

export interface CreatedDatabase {
  url: string
  name: string
  drop: () => Promise<void>
}

/** A new PostgreSQL database on the configured server; the caller drops it (beforeAll/afterAll). */
export async function createDatabase(prefix: string): Promise<CreatedDatabase> {
  const base = loadConfig().AIAAS_DATABASE_URL
  const name = `aiaas_${prefix}_${randomBytes(4).toString('hex')}`
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base })
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  await admin(`CREATE DATABASE ${name}`)
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString()
  return { url, name, drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) }
}

/** A new PostgreSQL database for processes that take a URL (no schema option); dropped at the end. */
export async function freshDatabase(prefix: string): Promise<{ url: string; name: string }> {
  const { url, name, drop } = await createDatabase(prefix)
  onTestFinished(drop)
  return { url, name }
}

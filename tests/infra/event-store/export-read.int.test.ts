import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { type ExportRow, exportPages } from '../../../infra/event-store/export-read.ts'
import type { Database, Sql } from '../../../infra/ports/database.ts'
import { newEvent } from '../contracts/test-database.ts'
import { makePostgres } from '../postgres/fresh-schema.ts'

// The audit export's reader on real PostgreSQL: any range is read in keyset pages of the size
// asked, each a query of its own, and a page is read only when the consumer asks for it.

const ORG = '0190a000-0000-7000-8000-0000000000e1'
const EVENTS = 2_500
let db: Database
let dispose: () => Promise<void>

beforeAll(async () => {
  ;({ db, dispose } = await makePostgres('exportread')())
  const store = createEventStore(db)
  // 25 streams of 100 events; every other event is the organization's.
  for (let s = 0; s < EVENTS / 100; s++) {
    const events = Array.from({ length: 100 }, (_, i) =>
      newEvent('ThingHappened', i % 2 === 0 ? { organization_id: ORG, i } : { i }),
    )
    await store.append(`thing-${s}`, events, -1)
  }
}, 120_000)
afterAll(async () => {
  await dispose?.()
})

/** The database, counting the page queries and the rows each returned. */
function counted(): { sql: Sql; pages: number[] } {
  const pages: number[] = []
  const sql: Sql = {
    async query(text, params) {
      const result = await db.query(text, params)
      if (text.includes('FROM events e')) pages.push(result.rows.length)
      // biome-ignore lint/suspicious/noExplicitAny: the wrapper passes the adapter's result through
      return result as any
    },
  }
  return { sql, pages }
}

async function drain(pages: AsyncGenerator<ExportRow[]>): Promise<ExportRow[]> {
  const rows: ExportRow[] = []
  for await (const page of pages) rows.push(...page)
  return rows
}

describe('exportPages', () => {
  it('reads thousands of events in pages of the size asked, one page per pull', async () => {
    const { sql, pages } = counted()
    const reader = exportPages(sql, {}, 100)
    const first = await reader.next()
    // The first page is out before any other is read.
    expect(first.done).toBe(false)
    expect(pages).toEqual([100])
    const rest = await drain(reader)
    const rows = [...(first.value ?? []), ...rest]
    expect(rows).toHaveLength(EVENTS)
    expect(pages.every((size) => size <= 100)).toBe(true)
    expect(pages.length).toBeGreaterThanOrEqual(EVENTS / 100)
    const positions = rows.map((row) => BigInt(row.global_position))
    expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] ?? 0n))).toBe(true)
  })

  it("pages an organization's events the same way, and only its events", async () => {
    const { sql, pages } = counted()
    const rows = await drain(exportPages(sql, { organization_id: ORG }, 100))
    expect(rows).toHaveLength(EVENTS / 2)
    expect(rows.every((row) => (row.data as { organization_id?: string }).organization_id === ORG)).toBe(true)
    expect(pages.length).toBeGreaterThanOrEqual(EVENTS / 2 / 100)
    expect(Math.max(...pages)).toBe(100)
  })
})

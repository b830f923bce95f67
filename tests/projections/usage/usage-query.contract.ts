import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../../infra/ports/database.ts'
import { ingestUsageBatch } from '../../../projections/usage/ingest.ts'
import { queryUsagePage, type UsageQuery, type UsageRow } from '../../../projections/usage/usage-query.ts'
import type { MakeDatabase } from '../../infra/contracts/test-database.ts'
import { usageEvent } from '../../support/usage-event.ts'

// The usage query over the rollups ingest writes: sums per bucket and group, the group keys not
// asked for null, keyset pages that together are the whole answer, and cursors checked.

const ORG = '0190a000-0000-7000-8000-000000000010'
const OTHER_ORG = '0190a000-0000-7000-8000-000000000011'
const KEY_A = '0190a000-0000-7000-8000-000000000020'
const KEY_B = '0190a000-0000-7000-8000-000000000021'
const NOW = new Date('2026-11-26T12:00:00Z')
/** Run against each database adapter: PGlite (unit tier) and PostgreSQL (int tier). */
export function usageQueryContract(name: string, make: MakeDatabase): void {
  describe(`the usage query on ${name}`, () => {
    let db: Database
    let dispose: () => Promise<void>

    beforeAll(async () => {
      ;({ db, dispose } = await make())
      const events = [
        // 09:05 and 09:40: two models, two keys; cost in whole nano-USD (1 nano = 0.000000001).
        usageEvent({
          occurred_at: '2026-11-26T09:05:00Z',
          model: 'm1',
          api_key_id: KEY_A,
          cost_usd: 0.000000003,
        }),
        usageEvent({ occurred_at: '2026-11-26T09:05:30Z', model: 'm1', api_key_id: KEY_B, cost_usd: 1.25 }),
        usageEvent({ occurred_at: '2026-11-26T09:40:00Z', model: 'm2', api_key_id: KEY_A, cost_usd: 0.5 }),
        usageEvent({
          occurred_at: '2026-11-26T09:41:00Z',
          model: 'm2',
          backend: 'b2',
          status: 'error',
          http_status: 503,
          cost_usd: 0,
          input_tokens: 5,
          output_tokens: 0,
        }),
        usageEvent({ occurred_at: '2026-11-26T10:15:00Z', model: 'm1', api_key_id: KEY_A, cost_usd: 2 }),
        usageEvent({ occurred_at: '2026-11-26T09:10:00Z', organization_id: OTHER_ORG, cost_usd: 9 }),
      ]
      await ingestUsageBatch(db, events, NOW)
    })
    afterAll(() => dispose?.())

    const query = (overrides: Partial<UsageQuery> = {}): UsageQuery => ({
      organization_id: ORG,
      from: new Date('2026-11-26T09:00:00Z'),
      to: new Date('2026-11-26T11:00:00Z'),
      granularity: 'hour',
      group_by: [],
      ...overrides,
    })
    const first = (limit = 1000) => ({ cursor: null, limit })
    const none = { model: null, api_key_id: null, backend: null }
    const counts = (requests: number, errors: number, input: number, output: number, cost_nanos: number) => ({
      requests,
      errors,
      input_tokens: input,
      output_tokens: output,
      cost_nanos,
    })

    describe('queryUsagePage', () => {
      it('sums each bucket over every group when grouped by nothing, and never shows another organization', async () => {
        const page = await queryUsagePage(db, query(), first())
        expect(page).toEqual({
          rows: [
            { bucket_start: '2026-11-26T09:00:00.000Z', ...none, ...counts(4, 1, 41, 102, 1_750_000_003) },
            { bucket_start: '2026-11-26T10:00:00.000Z', ...none, ...counts(1, 0, 12, 34, 2_000_000_000) },
          ],
          next_cursor: null,
        })
      })

      it('groups by the keys asked for, in (bucket, model, api_key, backend) order whatever order they are named in', async () => {
        const page = await queryUsagePage(db, query({ group_by: ['api_key', 'model'] }), first())
        const keys = page.rows.map((r) => [r.bucket_start.slice(11, 16), r.model, r.api_key_id, r.backend])
        expect(keys).toEqual([
          ['09:00', 'm1', KEY_A, null],
          ['09:00', 'm1', KEY_B, null],
          ['09:00', 'm2', KEY_A, null],
          ['10:00', 'm1', KEY_A, null],
        ])
        expect(page.rows[2]).toMatchObject(counts(2, 1, 17, 34, 500_000_000))
      })

      it('reads the minute and day rollups, counting a bucket that from starts inside of', async () => {
        const minutes = await queryUsagePage(
          db,
          query({
            granularity: 'minute',
            from: new Date('2026-11-26T09:05:10Z'),
            to: new Date('2026-11-26T09:41:00Z'),
          }),
          first(),
        )
        expect(minutes.rows.map((r) => [r.bucket_start.slice(11, 16), r.requests])).toEqual([
          ['09:05', 2],
          ['09:40', 1],
        ])
        const days = await queryUsagePage(
          db,
          query({
            granularity: 'day',
            from: new Date('2026-11-26T00:00:00Z'),
            to: new Date('2026-11-27T00:00:00Z'),
          }),
          first(),
        )
        expect(days.rows).toEqual([
          { bucket_start: '2026-11-26T00:00:00.000Z', ...none, ...counts(5, 1, 53, 136, 3_750_000_003) },
        ])
      })

      it('pages through the rows with the cursor: every row once, in order, the last page without a cursor', async () => {
        const q = query({ granularity: 'minute', group_by: ['model', 'api_key', 'backend'] })
        const whole = (await queryUsagePage(db, q, first())).rows
        expect(whole).toHaveLength(5)
        for (const limit of [1, 2, 3]) {
          const seen: UsageRow[] = []
          let cursor: string | null = null
          do {
            const page = await queryUsagePage(db, q, { cursor, limit })
            expect(page.rows.length).toBeLessThanOrEqual(limit)
            seen.push(...page.rows)
            cursor = page.next_cursor
          } while (cursor !== null)
          expect(seen).toEqual(whole)
        }
      })

      it('refuses a tampered cursor, or one made for another range or group_by, with INVALID_CURSOR', async () => {
        const grouped = query({ group_by: ['model'] })
        const { next_cursor } = await queryUsagePage(db, grouped, first(1))
        expect(next_cursor).not.toBeNull()
        const cursor = next_cursor as string
        const tampered = Buffer.from('["u1","not a date",null,null,null]').toString('base64url')
        for (const bad of [
          tampered,
          cursor.slice(0, -6),
          'not*base64',
          Buffer.from('{}').toString('base64url'),
          // A bucket outside the query's range, and one PostgreSQL refuses (year 0).
          Buffer.from('["u1","2026-11-26T11:00:00Z","m1",null,null]').toString('base64url'),
          Buffer.from('["u1","0000-01-01T00:00:00Z","m1",null,null]').toString('base64url'),
          // A value no text column can hold.
          Buffer.from('["u1","2026-11-26T09:00:00Z","m\\u0000",null,null]').toString('base64url'),
        ]) {
          await expect(queryUsagePage(db, grouped, { cursor: bad, limit: 1 })).rejects.toMatchObject({
            code: 'INVALID_CURSOR',
          })
        }
        await expect(queryUsagePage(db, query(), { cursor, limit: 1 })).rejects.toMatchObject({
          code: 'INVALID_CURSOR',
        })
        expect((await queryUsagePage(db, grouped, { cursor, limit: 1 })).rows[0]?.model).toBe('m2')
      })
    })
  })
}

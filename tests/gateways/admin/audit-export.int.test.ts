import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_COLUMNS } from '../../../gateways/admin/audit-format.ts'
import { chainHash, ZERO_HASH } from '../../../infra/event-store/chain-canonical.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { type AuditWorld, roleIn, startAuditWorld } from './audit-world.ts'

// GET /admin/v1/audit/export on real PostgreSQL: NDJSON and CSV of the log equal the events table,
// the chain fields recompute, every filter is exact, an organization's auditor gets its own events
// only, and bad input is a 400 problem.

let world: AuditWorld
let a: Awaited<ReturnType<AuditWorld['organization']>>
let b: Awaited<ReturnType<AuditWorld['organization']>>

beforeAll(async () => {
  world = await startAuditWorld('auditexp')
  a = await world.organization('a')
  b = await world.organization('b')
  await world.post(`/budgets/${a.budget_id}`, { limit_usd: '12' }, 'PATCH')
  await world.post(`/api-keys/${b.key_id}/revoke`, {})
  await world.chained()
}, 120_000)
afterAll(async () => {
  await world?.close()
})

const script = new URL('../../../docs/audit/verify_chain.py', import.meta.url).pathname
const hasPython = spawnSync('python3', ['--version']).status === 0

type Line = Record<(typeof EXPORT_COLUMNS)[number], unknown>

const ndjson = (text: string): Line[] =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))

/** RFC 4180: quoted fields with doubled quotes, CRLF rows. */
function csvRows(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') [field, i] = [`${field}"`, i + 1]
      else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') [row, field] = [[...row, field], '']
    else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, field])
      ;[row, field, i] = [[], '', i + 1]
    } else field += c
  }
  return rows
}

/** A CSV row read back into the NDJSON shape: JSON columns parsed, numbers as numbers, '' as null. */
function fromCsv(header: string[], cells: string[]): Line {
  const value = (column: string, cell: string): unknown => {
    if (cell === '') return null
    if (column === 'data' || column === 'metadata') return JSON.parse(cell)
    if (column === 'stream_version' || column === 'schema_version') return Number(cell)
    return cell
  }
  return Object.fromEntries(header.map((column, i) => [column, value(column, cells[i] ?? '')])) as Line
}

/** The chain's nine fields of an exported line (docs/audit.md, "The chain format"). */
const chainFields = (line: Line) => ({
  global_position: String(line.global_position),
  id: String(line.id),
  stream: String(line.stream),
  stream_version: Number(line.stream_version),
  type: String(line.type),
  schema_version: Number(line.schema_version),
  data: line.data,
  metadata: line.metadata,
  recorded_at: String(line.recorded_at),
})

/** The events table as the export should show it, with `where` (on `e`) and its parameters. */
async function expectedRows(where = 'true', params: unknown[] = []): Promise<Line[]> {
  const { rows } = await world.db.query<{ line: Line }>(
    `SELECT json_build_object(
        'global_position', e.global_position::text, 'id', e.id::text, 'stream', e.stream,
        'stream_version', e.stream_version, 'type', e.type, 'schema_version', e.schema_version,
        'recorded_at', to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor', e.metadata ->> 'actor', 'metadata', e.metadata, 'data', e.data,
        'prev_hash', encode(c.prev_hash, 'hex'), 'hash', encode(c.hash, 'hex')) AS line
       FROM events e LEFT JOIN event_chain c USING (global_position)
      WHERE ${where} ORDER BY e.global_position`,
    params,
  )
  return rows.map((row) => row.line)
}

describe('the audit export', () => {
  it('streams the whole log as NDJSON, equal to the events table, whose chain recomputes', async () => {
    const answer = await world.get('/audit/export')
    expect(answer.status).toBe(200)
    expect(answer.type).toBe('application/x-ndjson; charset=utf-8')
    const lines = ndjson(answer.text)
    expect(lines).toEqual(await expectedRows())
    expect(lines.length).toBeGreaterThan(10)
    expect(Object.keys(lines[0] ?? {})).toEqual([...EXPORT_COLUMNS])
    // An auditor's independent check: each hash from the previous one and the exported fields.
    let prev = ZERO_HASH
    for (const line of lines) {
      expect(line.prev_hash).toBe(prev.toString('hex'))
      const hash = chainHash(prev, chainFields(line))
      expect(line.hash).toBe(hash.toString('hex'))
      prev = hash
    }
  })

  it.runIf(hasPython)("passes the auditor's script of docs/audit.md as it is exported", async () => {
    const answer = await world.get('/audit/export')
    const run = spawnSync('python3', [script], { input: answer.text, encoding: 'utf8' })
    expect(run.stdout.trim()).toBe(`ok ${ndjson(answer.text).length}`)
    expect(run.status).toBe(0)
  })

  it('writes the same events as CSV (RFC 4180), which reads back equal to the NDJSON', async () => {
    const answer = await world.get('/audit/export?format=csv')
    expect(answer.status).toBe(200)
    expect(answer.type).toBe('text/csv; charset=utf-8')
    const [header = [], ...rows] = csvRows(answer.text)
    expect(header).toEqual([...EXPORT_COLUMNS])
    expect(rows.map((cells) => fromCsv(header, cells))).toEqual(
      ndjson((await world.get('/audit/export')).text),
    )
  })

  it('filters exactly by type, organization and time range, alone and together', async () => {
    const ofType = ndjson((await world.get('/audit/export?type=BudgetChanged')).text)
    expect(ofType).toEqual(await expectedRows(`e.type = 'BudgetChanged'`))
    expect(ofType).toHaveLength(1)
    const ofA = ndjson((await world.get(`/audit/export?organization_id=${a.organization_id}`)).text)
    expect(ofA).toEqual(await expectedRows(`e.data ->> 'organization_id' = $1`, [a.organization_id]))
    // The middle third of the log by recorded_at, bounds inclusive to the microsecond.
    const all = await expectedRows()
    const from = String(all[Math.floor(all.length / 3)]?.recorded_at)
    const to = String(all[Math.floor((2 * all.length) / 3)]?.recorded_at)
    const range = `from=${from}&to=${to}`
    const inRange = ndjson((await world.get(`/audit/export?${range}`)).text)
    expect(inRange).toEqual(
      all.filter((line) => String(line.recorded_at) >= from && String(line.recorded_at) <= to),
    )
    expect(inRange.length).toBeGreaterThan(0)
    const together = ndjson(
      (await world.get(`/audit/export?${range}&organization_id=${b.organization_id}&type=ApiKeyRevoked`))
        .text,
    )
    expect(together).toEqual(
      inRange.filter(
        (line) =>
          line.type === 'ApiKeyRevoked' &&
          (line.data as Record<string, unknown>).organization_id === b.organization_id,
      ),
    )
  })

  it("gives an organization's auditor its own events only, never another's", async () => {
    const asAuditorOfA = roleIn(a.organization_id, 'auditor')
    const own = await world.get(`/audit/export?organization_id=${a.organization_id}`, asAuditorOfA)
    expect(own.status).toBe(200)
    const lines = ndjson(own.text)
    expect(lines.length).toBeGreaterThanOrEqual(5)
    expect(
      lines.every((line) => (line.data as Record<string, unknown>).organization_id === a.organization_id),
    ).toBe(true)
    for (const id of Object.values(b)) expect(own.text).not.toContain(id)
    // Each of its rows recomputes from its own prev_hash (the links run through others' events).
    for (const line of lines)
      expect(chainHash(Buffer.from(String(line.prev_hash), 'hex'), chainFields(line)).toString('hex')).toBe(
        line.hash,
      )
    // Another organization's: the answer for one that does not exist; the whole log: refused.
    const other = await world.get(`/audit/export?organization_id=${b.organization_id}`, asAuditorOfA)
    const none = await world.get(
      '/audit/export?organization_id=0190a000-0000-7000-8000-00000000f001',
      asAuditorOfA,
    )
    expect(other.status).toBe(404)
    expect(JSON.parse(other.text).code).toBe('ORG_NOT_FOUND')
    expect(none.status).toBe(404)
    const whole = await world.get('/audit/export', asAuditorOfA)
    expect(whole.status).toBe(403)
    // A role without audit:export in its own organization is refused.
    const analyst = await world.get(
      `/audit/export?organization_id=${a.organization_id}`,
      roleIn(a.organization_id, 'analyst'),
    )
    expect(analyst.status).toBe(403)
  })

  it('streams thousands of events of one organization whole and in log order (pages of 500)', async () => {
    const organization_id = '0190a000-0000-7000-8000-0000000000c3'
    for (let s = 0; s < 6; s++) {
      const events = Array.from({ length: 500 }, (_, i) =>
        newEvent('ThingHappened', { organization_id, n: s * 500 + i }),
      )
      await world.platform.store.append(`thing-${s}`, events, -1)
    }
    const answer = await world.get(`/audit/export?organization_id=${organization_id}&format=csv`)
    expect(answer.status).toBe(200)
    const [, ...rows] = csvRows(answer.text)
    const numbers = rows.map((cells) => JSON.parse(cells[EXPORT_COLUMNS.indexOf('data')] ?? '{}').n)
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, n) => n))
  })

  it('refuses bad input with a 400 problem naming the field', async () => {
    const bad = [
      ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['from=yesterday', 'from'],
      ['to=0000-01-01T00:00:00Z', 'to'],
      ['type=budget changed', 'type'],
      ['format=xml', 'format'],
      ['organization_id=not-a-uuid', 'organization_id'],
      ['limit=5', 'limit'],
    ] as const
    for (const [query, field] of bad) {
      const answer = await world.get(`/audit/export?${query}`)
      expect(answer.status, query).toBe(400)
      expect(answer.type).toContain('application/problem+json')
      const problem = JSON.parse(answer.text)
      expect(problem.code).toBe('VALIDATION_FAILED')
      expect(JSON.stringify(problem.errors), query).toContain(field)
    }
  })
})

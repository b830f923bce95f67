import { describe, expect, it } from 'vitest'
import {
  auditQuery,
  dataSummary,
  newestFirst,
  readExport,
  verifySummary,
} from '../../../gateways/console/src/pages/audit-log.ts'

const ORG = '0193c9a0-0000-7000-8000-000000000001'

describe('the audit filters', () => {
  it('become the export query, times read as UTC, empty filters left out', () => {
    expect(auditQuery(ORG, { from: '', to: '', type: '' })).toEqual({
      ok: true,
      query: { organization_id: ORG, format: 'ndjson' },
    })
    expect(
      auditQuery(ORG, { from: '2026-11-01T00:00', to: '2026-11-02T12:30', type: ' BudgetChanged ' }),
    ).toEqual({
      ok: true,
      query: {
        organization_id: ORG,
        format: 'ndjson',
        from: '2026-11-01T00:00:00.000Z',
        to: '2026-11-02T12:30:00.000Z',
        type: 'BudgetChanged',
      },
    })
  })

  it('are refused before asking when the API would refuse them', () => {
    expect(auditQuery(ORG, { from: '2026-11-02T00:00', to: '2026-11-01T00:00', type: '' })).toEqual({
      ok: false,
      error: '"From" is after "To"',
    })
    expect(auditQuery(ORG, { from: '', to: '', type: 'budget changed' })).toMatchObject({ ok: false })
    expect(auditQuery(ORG, { from: 'soon', to: '', type: '' })).toEqual({
      ok: false,
      error: '"From" is not a time',
    })
  })
})

describe('the export read into events', () => {
  const line = (position: number) =>
    JSON.stringify({
      global_position: String(position),
      id: `id-${position}`,
      type: 'OrganizationCreated',
      data: {},
    })

  it('reads NDJSON lines, a single line the client already parsed, and an empty body', () => {
    expect(readExport(`${line(1)}\n${line(2)}\n`).map((e) => e.global_position)).toEqual(['1', '2'])
    expect(readExport(JSON.parse(line(7))).map((e) => e.global_position)).toEqual(['7'])
    expect(readExport(undefined)).toEqual([])
    expect(readExport('')).toEqual([])
  })

  it('shows the newest first and says how many were left out', () => {
    const events = readExport([1, 2, 3].map(line).join('\n'))
    const { shown, omitted } = newestFirst(events, 2)
    expect(shown.map((e) => e.global_position)).toEqual(['3', '2'])
    expect(omitted).toBe(1)
  })

  it('summarises an event data in a line', () => {
    expect(dataSummary({ name: 'Acme', roles: ['org_admin', 'member'], limits: { rpm: 5 } })).toBe(
      'name=Acme, roles=[org_admin, member], limits={"rpm":5}',
    )
    expect(dataSummary({ text: 'x'.repeat(300) }, 20)).toHaveLength(20)
  })
})

describe('the chain verification in words', () => {
  it('says the chain holds, and what is not chained yet', () => {
    const summary = verifySummary({ ok: true, checked: 1234, first_break: null, unchained_after: '1234' })
    expect(summary.tone).toBe('ok')
    expect(summary.lines).toEqual([
      'The chain holds: 1,234 events checked, none altered.',
      'Events after position 1234 are not chained yet; they were not checked.',
    ])
  })

  it('names the position of a break and its kind: altered, deleted or slipped in', () => {
    const at = (expected: string | null, found: string | null) =>
      verifySummary({
        ok: false,
        checked: 10,
        first_break: { global_position: '7', expected, found },
        unchained_after: null,
      })
    expect(at('aa', 'bb').tone).toBe('broken')
    expect(at('aa', 'bb').lines[0]).toBe('The chain breaks at position 7 (10 events checked).')
    expect(at('aa', 'bb').lines[1]).toContain('altered')
    expect(at('aa', null).lines[1]).toContain('gone')
    expect(at(null, 'bb').lines[1]).toContain('no chain entry')
  })
})

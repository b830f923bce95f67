import { describe, expect, it } from 'vitest'
import { EXIT, exitCodeOfStatus } from '../../../../gateways/cli/admin/exit-codes.ts'
import { cell, processIo, renderRecord, renderTable } from '../../../../gateways/cli/admin/output.ts'
import { describeProblem, problemOf } from '../../../../gateways/cli/admin/problem.ts'

describe('admin CLI output', () => {
  it('aligns columns to the widest cell, without trailing spaces or colour by default', () => {
    const rows = [
      { id: 'a', name: 'Acme', settings: { timezone: 'UTC' } },
      { id: 'bbbbbb', name: null, settings: { timezone: 'Europe/Paris' } },
    ]
    const columns = [
      { header: 'ID', field: 'id' },
      { header: 'NAME', field: 'name' },
      { header: 'TZ', field: 'settings.timezone' },
    ]
    expect(renderTable(rows, columns)).toBe(
      ['ID      NAME  TZ', 'a       Acme  UTC', 'bbbbbb  -     Europe/Paris', ''].join('\n'),
    )
    expect(renderTable(rows, columns, true).startsWith('\u001b[1mID')).toBe(true)
    expect(renderTable(rows, columns)).not.toContain('\u001b')
  })

  it('shows a record as aligned key/value lines, lists comma-joined, objects as JSON', () => {
    expect(renderRecord({ id: 'x', allowed_models: ['a', 'b'], settings: { tz: 'UTC' } })).toBe(
      ['id              x', 'allowed_models  a,b', 'settings        {"tz":"UTC"}', ''].join('\n'),
    )
    expect(cell([])).toBe('-')
    expect(cell('two\nlines')).toBe('two lines')
  })

  it('colours only a terminal without NO_COLOR, and draws progress in place only on a terminal stderr', () => {
    const tty = { isTTY: true, write: () => true }
    const pipe = { write: () => true }
    expect(processIo({}, tty, pipe)).toMatchObject({ color: true, errIsTty: false })
    expect(processIo({ NO_COLOR: '1' }, tty, tty)).toMatchObject({ color: false, errIsTty: true })
    expect(processIo({}, pipe, tty)).toMatchObject({ color: false, errIsTty: true })
  })

  it('maps each status to its documented exit code', () => {
    const table: [number, number][] = [
      [200, EXIT.ok],
      [204, EXIT.ok],
      [400, EXIT.failed],
      [422, EXIT.failed],
      [401, EXIT.authentication],
      [403, EXIT.forbidden],
      [404, EXIT.notFound],
      [409, EXIT.conflict],
      [412, EXIT.conflict],
      [429, EXIT.unavailable],
      [503, EXIT.unavailable],
      [500, EXIT.failed],
    ]
    for (const [status, code] of table) expect([status, exitCodeOfStatus(status)]).toEqual([status, code])
  })

  it('reports problem+json, OAuth2 errors and plain bodies on one line', () => {
    const problem = problemOf(
      404,
      JSON.stringify({
        status: 404,
        code: 'ORG_NOT_FOUND',
        detail: 'no such organization',
        errors: { organization_id: 'x' },
      }),
    )
    expect(describeProblem(problem)).toBe('404 ORG_NOT_FOUND no such organization\n{"organization_id":"x"}')
    expect(
      describeProblem(
        problemOf(401, '{"error":"invalid_client","error_description":"client authentication failed"}'),
      ),
    ).toBe('401 invalid_client client authentication failed')
    expect(describeProblem(problemOf(502, 'Bad Gateway'))).toBe('502 Bad Gateway')
  })
})

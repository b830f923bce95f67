import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ACTIONS } from '../../../domain/authorization/actions.ts'
import type { Subject } from '../../../domain/authorization/subject.ts'
import { ORGANIZATION_ROLES } from '../../../domain/users/user.ts'
import { loadAuthorizer } from '../../../infra/opa/authorizer.ts'
import type { Authorizer } from '../../../infra/ports/authorizer.ts'

// docs/security.md's role table is checked against the compiled policy, cell by cell: a table
// that promises what the policy refuses (or hides what it allows) fails here. `own` is an API key
// the caller owns, or (users:*) the caller's own user.

const DOC = join(resolve(import.meta.dirname, '..', '..', '..'), 'docs', 'security.md')
const OWN = '0190a000-0000-7000-8000-00000000000a'
const OTHER = '0190a000-0000-7000-8000-00000000000b'
const ME = '0190a000-0000-7000-8000-000000000001'
const SOMEONE = '0190a000-0000-7000-8000-000000000002'

interface Table {
  roles: string[]
  rows: Map<string, string[]>
}

function parse(markdown: string): Table {
  const block = /<!-- role-table:start -->\n([\s\S]*?)\n<!-- role-table:end -->/.exec(markdown)?.[1]
  if (!block) throw new Error('docs/security.md has no role table between its markers')
  const cellsOf = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim().replaceAll('`', ''))
  const [header, _rule, ...body] = block.split('\n')
  const rows = new Map(body.map((line) => cellsOf(line)).map(([action, ...cells]) => [action ?? '', cells]))
  return { roles: cellsOf(header!).slice(1), rows }
}

function subjectWith(role: string): Subject {
  const held = ORGANIZATION_ROLES.filter((known) => known === role)
  return {
    actor: `user:${ME}`,
    kind: 'user',
    platform_admin: role === 'platform_admin',
    memberships: { [OWN]: held },
  }
}

let table: Table
let authorizer: Authorizer
beforeAll(async () => {
  table = parse(await readFile(DOC, 'utf8'))
  authorizer = await loadAuthorizer()
})

describe('the role table of docs/security.md', () => {
  it('has a column per role and a row per action of the vocabulary', () => {
    expect(table.roles).toEqual(['platform_admin', ...ORGANIZATION_ROLES])
    expect([...table.rows.keys()]).toEqual([...ACTIONS])
  })

  it('says for every role and action what the policy decides', () => {
    const wrong: string[] = []
    for (const [name, cells] of table.rows) {
      const action = ACTIONS.find((known) => known === name)
      if (!action) throw new Error(`${name} is no action of the vocabulary`)
      table.roles.forEach((role, i) => {
        // A user action acts on a user, a platform resource whose owner is that user itself.
        const onUser = action.startsWith('users:')
        const decide = (organization_id: string, owner: string | null) =>
          authorizer.decide({
            subject: subjectWith(role),
            action,
            resource: onUser
              ? { type: 'user', organization_id: null, owner }
              : { type: 'test', organization_id, owner },
          }).allow
        const cell = cells[i]
        const expected = {
          unowned: cell === 'yes',
          mine: cell === 'yes' || cell === 'own',
          elsewhere: role === 'platform_admin',
        }
        // A user has no organization: "elsewhere" is then simply someone else.
        const elsewhere = decide(OTHER, onUser ? SOMEONE : ME)
        const actual = { unowned: decide(OWN, SOMEONE), mine: decide(OWN, ME), elsewhere }
        if (JSON.stringify(actual) !== JSON.stringify(expected)) wrong.push(`${action} × ${role}: ${cell}`)
      })
    }
    expect(wrong).toEqual([])
  })
})

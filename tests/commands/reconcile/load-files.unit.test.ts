import { describe, expect, it } from 'vitest'
import { loadRepository } from '../../../commands/reconcile/load-files.ts'
import { apiKeyIdOf, budgetIdOf, organizationIdOf } from '../../../domain/tenants-as-code/identity.ts'

// A tenants repository's files: the desired state, or every error with its file and line.

const acme = `kind: Organization
name: acme
display_name: Acme Corp
budgets:
  - period: monthly
    limit_usd: "100.00"
api_keys:
  - name: web
    budgets:
      - period: daily
        limit_usd: "5"
        enforcement: soft
        alert_thresholds: [0.9, 0.5]
`

const errorsOf = (files: { path: string; text: string }[]) => {
  const loaded = loadRepository(files)
  if (!('errors' in loaded)) throw new Error('expected errors')
  return loaded.errors
}

describe('loading a tenants repository', () => {
  it('turns the files into resources with ids derived from their names', () => {
    const loaded = loadRepository([
      { path: 'aiaas.yaml', text: 'kind: Repository\nprune: true\n' },
      { path: 'orgs/acme.yaml', text: acme },
      { path: 'README.md', text: 'not yaml: [' },
    ])
    if (!('desired' in loaded)) throw new Error(JSON.stringify(loaded.errors))
    const organization_id = organizationIdOf('acme')
    const api_key_id = apiKeyIdOf('acme', 'web')
    expect(loaded.desired.prune).toBe(true)
    expect(loaded.desired.resources).toEqual([
      { kind: 'organization', id: organization_id, address: 'organization.acme', display_name: 'Acme Corp' },
      expect.objectContaining({
        kind: 'budget',
        id: budgetIdOf(organization_id, null, 'monthly'),
        limit_micros: 100_000_000,
        enforcement: 'hard',
        alert_thresholds: [],
      }),
      {
        kind: 'api_key',
        id: api_key_id,
        address: 'organization.acme.api_key.web',
        organization_id,
        name: 'web',
      },
      expect.objectContaining({
        address: 'organization.acme.api_key.web.budget.daily',
        id: budgetIdOf(organization_id, api_key_id, 'daily'),
        api_key_id,
        limit_micros: 5_000_000,
        enforcement: 'soft',
        alert_thresholds: [0.5, 0.9],
      }),
    ])
  })

  it('does not prune unless the repository says so', () => {
    const loaded = loadRepository([{ path: 'acme.yaml', text: acme }])
    expect('desired' in loaded && loaded.desired.prune).toBe(false)
  })

  it('refuses a schema error with its file, line and reason', () => {
    const bad = acme.replace('limit_usd: "5"', 'limit_usd: 5').replace('name: web', 'name: Web_Key')
    const errors = errorsOf([{ path: 'acme.yaml', text: bad }])
    expect(errors).toContainEqual({
      file: 'acme.yaml',
      line: 8,
      reason: expect.stringMatching(/^api_keys\.0\.name: must match pattern/),
    })
    expect(errors).toContainEqual({
      file: 'acme.yaml',
      line: 11,
      reason: 'api_keys.0.budgets.0.limit_usd: must be string',
    })
  })

  it('names an unknown field and a bad enum value on their own lines', () => {
    const bad = `kind: Organization\nname: acme\ndisplay_name: A\nbudgets:\n  - period: weekly\n    limit_usd: "1"\n    limt: 2\n`
    const errors = errorsOf([{ path: 'a.yaml', text: bad }])
    expect(errors).toContainEqual({
      file: 'a.yaml',
      line: 7,
      reason: 'budgets.0.limt: must NOT have additional properties',
    })
    expect(errors).toContainEqual({
      file: 'a.yaml',
      line: 5,
      reason: 'budgets.0.period: must be equal to one of the allowed values (daily,monthly,total)',
    })
  })

  it('reports a YAML syntax error with its line, and the other files’ errors too', () => {
    const errors = errorsOf([
      { path: 'a.yaml', text: 'kind: Organization\nname: a\nname: b\n' },
      { path: 'b.yaml', text: 'kind: Organization\nname: b\n' },
    ])
    expect(errors.map((e) => e.file)).toEqual(['a.yaml', 'b.yaml'])
    expect(errors[0]).toEqual({ file: 'a.yaml', line: 3, reason: 'Map keys must be unique' })
    expect(errors[1]).toEqual({
      file: 'b.yaml',
      line: 1,
      reason: "must have required property 'display_name'",
    })
  })

  it('refuses what the schema cannot say: a name declared twice, two budgets of one period, repeated thresholds, a limit too high', () => {
    const twice = `kind: Organization
name: acme
display_name: Again
budgets:
  - period: daily
    limit_usd: "1"
  - period: daily
    limit_usd: "9999999"
    alert_thresholds: [0.5, 0.5]
api_keys:
  - name: k
  - name: k
`
    const errors = errorsOf([
      { path: 'a.yaml', text: acme },
      { path: 'b.yaml', text: twice },
    ])
    expect(errors).toEqual([
      { file: 'b.yaml', line: 2, reason: 'organization acme is already declared in a.yaml' },
      { file: 'b.yaml', line: 7, reason: 'a second daily budget here' },
      { file: 'b.yaml', line: 9, reason: 'alert_thresholds repeat a value' },
      { file: 'b.yaml', line: 8, reason: 'limit_usd is above 9000000' },
      { file: 'b.yaml', line: 12, reason: 'API key k is declared twice' },
    ])
  })

  it('checks members: an email, known roles, each person once', () => {
    const members = `kind: Organization
name: acme
display_name: A
members:
  - { email: not-an-email, display_name: X, roles: [member] }
  - { email: ada@example.com, display_name: Ada, roles: [owner] }
  - { email: ADA@example.com, display_name: Ada, roles: [member] }
`
    const schemaErrors = errorsOf([{ path: 'm.yaml', text: members }])
    expect(schemaErrors).toContainEqual({
      file: 'm.yaml',
      line: 5,
      reason: expect.stringMatching(/^members\.0\.email: must match pattern/),
    })
    expect(schemaErrors).toContainEqual({
      file: 'm.yaml',
      line: 6,
      reason: expect.stringMatching(/^members\.1\.roles\.0: must be equal to one of the allowed values/),
    })
    const fixed = members.replace('not-an-email', 'x@example.com').replace('[owner]', '[org_owner]')
    expect(errorsOf([{ path: 'm.yaml', text: fixed }])).toEqual([
      { file: 'm.yaml', line: 7, reason: 'ADA@example.com is a member here twice' },
    ])
  })

  it('reads a model file by its kind, and refuses its errors with their lines', () => {
    const model = `kind: Model
name: gpt-x
input_price_per_million_usd: "0.5"
output_price_per_million_usd: "1.5"
max_output_tokens: 4096
backends:
  - url: https://backend.example/v1
    provider: openai-compatible
    api_key_file: /run/secrets/provider
`
    const loaded = loadRepository([{ path: 'models/gpt-x.yaml', text: model }])
    if (!('desired' in loaded)) throw new Error(JSON.stringify(loaded.errors))
    expect(loaded.desired.resources).toEqual([
      expect.objectContaining({
        kind: 'model',
        id: 'gpt-x',
        strategy: 'priority',
        rpm_limit: null,
        api_key_files: ['/run/secrets/provider'],
        backends: [
          expect.objectContaining({ weight: 1, priority: 0, timeout_ms: 60_000, headers: {}, api_key: null }),
        ],
      }),
    ])
    const bad = model.replace('provider: openai-compatible', 'provider: openai').replace('"0.5"', '0.5')
    expect(errorsOf([{ path: 'm.yaml', text: bad }])).toEqual([
      { file: 'm.yaml', line: 3, reason: 'input_price_per_million_usd: must be string' },
      {
        file: 'm.yaml',
        line: 8,
        reason:
          'backends.0.provider: must be equal to one of the allowed values (openai-compatible,vllm,anthropic)',
      },
    ])
  })
})

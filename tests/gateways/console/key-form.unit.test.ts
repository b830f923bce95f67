import { describe, expect, it } from 'vitest'
import { keyBody } from '../../../gateways/console/src/pages/key-form.ts'

const now = new Date('2026-11-27T10:00:00Z')
const empty = { name: '', rpm: '', tpm: '', models: '', expires: '' }

describe('the create-key form', () => {
  it('turns the fields into the API’s body', () => {
    const result = keyBody(
      'org-1',
      { name: ' ci ', rpm: '60', tpm: '', models: 'echo, gpt  echo', expires: '2026-12-31' },
      now,
    )
    expect(result).toEqual({
      ok: true,
      body: {
        organization_id: 'org-1',
        name: 'ci',
        rpm_limit: 60,
        tpm_limit: null,
        allowed_models: ['echo', 'gpt'],
        expires_at: '2026-12-31T23:59:59.000Z',
      },
    })
    expect(keyBody('org-1', { ...empty, name: 'all' }, now)).toMatchObject({
      body: { allowed_models: null, expires_at: null, rpm_limit: null },
    })
  })

  it('names the field a typo is in', () => {
    expect(keyBody('o', empty, now)).toMatchObject({ ok: false, field: 'name' })
    expect(keyBody('o', { ...empty, name: 'k', rpm: '1.5' }, now)).toMatchObject({ ok: false, field: 'rpm' })
    expect(keyBody('o', { ...empty, name: 'k', tpm: '0' }, now)).toMatchObject({ ok: false, field: 'tpm' })
    expect(keyBody('o', { ...empty, name: 'k', expires: '2026-11-26' }, now)).toMatchObject({
      ok: false,
      field: 'expires',
    })
  })
})

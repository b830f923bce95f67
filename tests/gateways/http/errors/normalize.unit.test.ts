import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../../domain/errors.ts'
import { errorCatalog } from '../../../../gateways/http/errors/catalog.ts'
import { normalizeError } from '../../../../gateways/http/errors/normalize.ts'

describe('error normalization', () => {
  it('keeps the code, status and message of a catalogued AppError', () => {
    const e = normalizeError(new AppError('ORG_NOT_FOUND', 'no such organization', { organization_id: 'x' }))
    expect(e).toMatchObject({ code: 'ORG_NOT_FOUND', status: 404, message: 'no such organization' })
  })

  it('hides the detail of anything unexpected behind a 500', () => {
    const e = normalizeError(new Error('connection string postgres://user:secret@db'))
    expect(e).toMatchObject({ code: 'INTERNAL', status: 500, message: 'internal error' })
  })

  it('keeps adapter detail out of a 5xx: it names what failed, not where', () => {
    const e = normalizeError(
      new AppError('DATABASE_UNAVAILABLE', 'connect ECONNREFUSED 10.0.0.5:5432', { host: 'db' }),
    )
    expect(e).toMatchObject({ code: 'DATABASE_UNAVAILABLE', status: 503, message: 'Database unavailable' })
    expect(e.details).toBeUndefined()
  })

  it('maps fastify body errors to client errors', () => {
    const tooLarge = Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' })
    expect(normalizeError(tooLarge)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 })
    const badJson = Object.assign(new Error('bad'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY' })
    expect(normalizeError(badJson)).toMatchObject({ code: 'MALFORMED_JSON', status: 400 })
  })

  it('documents every code in docs/errors.md', () => {
    const doc = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')
    for (const [code, spec] of Object.entries(errorCatalog)) {
      expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`))
    }
  })
})

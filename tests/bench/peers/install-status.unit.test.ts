import { describe, expect, it } from 'vitest'
import { missing, parseStatus } from './install-status.ts'

describe('install status', () => {
  const status = parseStatus('wrk ok 4.1.0-3+b2\nlitellm failed pip: no matching distribution\n\n')

  it('reads each tool as installed with its version, or failed with its reason', () => {
    expect(status.get('wrk')).toEqual({ ok: true, version: '4.1.0-3+b2' })
    expect(missing(status, 'wrk')).toBeNull()
    expect(missing(status, null)).toBeNull()
    expect(missing(status, 'litellm')).toBe('litellm could not be installed: pip: no matching distribution')
    expect(missing(status, 'portkey')).toMatch(/was not installed/)
  })
})

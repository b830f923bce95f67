import { describe, expect, it } from 'vitest'
import { requestForLog } from '../../../../gateways/http/request-log.ts'

describe('the invitation page in the request log', () => {
  it('never shows the token, on GET or POST, with or without a query', () => {
    for (const url of [
      '/oauth2/invitations/0193a.secret-part',
      '/oauth2/invitations/0193a.secret-part?x=1',
    ]) {
      const logged = requestForLog({ method: 'POST', url })
      expect(logged.url).not.toContain('secret-part')
      expect(logged.url).toMatch(/^\/oauth2\/invitations\/\[redacted\]/)
    }
  })
})

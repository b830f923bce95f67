import { describe, expect, it } from 'vitest'
import { invitationLink } from '../../../gateways/console/src/pages/invitation-link.ts'

describe('an invitation link', () => {
  it('is the issuer invitation page for the token, wherever the issuer lives', () => {
    expect(invitationLink('http://127.0.0.1:8080/oauth2', 'abc')).toBe(
      'http://127.0.0.1:8080/oauth2/invitations/abc',
    )
    expect(invitationLink('https://login.example.com/', 'a/b c')).toBe(
      'https://login.example.com/invitations/a%2Fb%20c',
    )
  })
})

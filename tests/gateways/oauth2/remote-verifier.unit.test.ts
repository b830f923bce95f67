import { describe, expect, it } from 'vitest'
import { identityJwksUrl } from '../../../gateways/oauth2/remote-verifier.ts'
import { loadConfig } from '../../../infra/config/config.ts'

// A separate `aiaas analytics` fetches the issuer's keys from `aiaas identity`; in a container its
// own bind address (0.0.0.0) is itself, so the deployments name identity (docs/deployment.md).
describe('where analytics fetches the JWKS of identity', () => {
  it('is AIAAS_IDENTITY_URL when set, with or without a trailing slash or a path', () => {
    const at = (url: string) =>
      identityJwksUrl(loadConfig({ AIAAS_HOST: '0.0.0.0', AIAAS_IDENTITY_URL: url })).href
    expect(at('http://identity:8081')).toBe('http://identity:8081/oauth2/jwks')
    expect(at('http://identity:8081/')).toBe('http://identity:8081/oauth2/jwks')
    expect(at('https://id.example.com/aiaas')).toBe('https://id.example.com/aiaas/oauth2/jwks')
  })

  it('is identity on this host otherwise (AIAAS_HOST, AIAAS_IDENTITY_PORT)', () => {
    expect(identityJwksUrl(loadConfig({ AIAAS_IDENTITY_PORT: '9181' })).href).toBe(
      'http://127.0.0.1:9181/oauth2/jwks',
    )
  })

  it('refuses an AIAAS_IDENTITY_URL that is no URL', () => {
    expect(() => loadConfig({ AIAAS_IDENTITY_URL: 'identity:8081' })).toThrow(
      /AIAAS_IDENTITY_URL="identity:8081": expected an http\(s\) URL/,
    )
  })
})

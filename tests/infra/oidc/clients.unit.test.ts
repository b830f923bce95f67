import { describe, expect, it } from 'vitest'
import { CONSOLE_CLIENT_ID, consoleRedirectUris, issuerClients } from '../../../infra/oidc/clients.ts'

describe('the issuer’s clients', () => {
  it('include the console: public, PKCE by the issuer, code and refresh tokens, loopback redirects', async () => {
    const clients = issuerClients(async () => null, 'https://aiaas.example.com/oauth2')
    expect(await clients.find(CONSOLE_CLIENT_ID)).toMatchObject({
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: [
        'https://aiaas.example.com/console/callback',
        'http://127.0.0.1/callback',
        'http://[::1]/callback',
      ],
    })
  })

  it('register the console callback only where a native client may (https, or http on loopback)', () => {
    expect(consoleRedirectUris('http://127.0.0.1:8080/oauth2')[0]).toBe(
      'http://127.0.0.1:8080/console/callback',
    )
    expect(consoleRedirectUris('http://issuer.test/oauth2')).toEqual([
      'http://127.0.0.1/callback',
      'http://[::1]/callback',
    ])
  })

  it('serve an active service account with client_credentials only, and no revoked one', async () => {
    const accounts = {
      a: { client_id: 'a', secret_hash: 'h', active: true },
      r: { client_id: 'r', secret_hash: 'h', active: false },
    }
    const clients = issuerClients(
      async (id) => (id === 'a' || id === 'r' ? accounts[id] : null),
      'http://127.0.0.1/oauth2',
    )
    expect(await clients.find('a')).toMatchObject({ grant_types: ['client_credentials'], client_secret: 'h' })
    expect(await clients.find('r')).toBeUndefined()
  })
})

import Fastify from 'fastify'
import type { Provider } from 'oidc-provider'
import { describe, expect, it } from 'vitest'
import { createIssuer } from '../../../gateways/oauth2/issuer.ts'
import { oauth2Routes } from '../../../gateways/oauth2/routes.ts'
import type { OidcStore } from '../../../infra/oidc/adapter.ts'
import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import { newSigningKey, type PrivateJwk } from '../../../infra/oidc/signing-keys.ts'
import { pkce } from './sign-in-client.ts'

// The interaction cookie is signed with a key derived from the newest signing key and checked
// against every one, so a sign-in started before a key rotation finishes on an issuer restarted
// after it.
const ISSUER = 'http://127.0.0.1/oauth2'

async function issuerApp(keys: PrivateJwk[], store: OidcStore) {
  const provider: Provider = createIssuer({
    issuer: ISSUER,
    keys,
    store,
    findClient: async () => null,
    findAccount: async () => null,
    findPerson: async () => null,
  })
  const app = Fastify()
  await app.register(oauth2Routes, { prefix: '/oauth2', provider })
  app.get('/oauth2/interaction/:uid', async (request, reply) => ({
    uid: (await provider.interactionDetails(request.raw, reply.raw)).uid,
  }))
  return app
}

describe('the issuer’s cookie keys', () => {
  it('keep an interaction started under the old signing key readable after a rotation', async () => {
    const store = memoryStore()
    const [oldKey, newKey] = [newSigningKey(), newSigningKey()]
    const before = await issuerApp([oldKey], store)
    const query = new URLSearchParams({
      client_id: 'aiaas-console',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:5555/callback',
      scope: 'openid admin',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    })
    const started = await before.inject({ url: `/oauth2/auth?${query}`, headers: { host: '127.0.0.1' } })
    expect(started.statusCode, started.body).toBe(303)
    const location = String(started.headers.location)
    const cookie = started.cookies.map((c) => `${c.name}=${c.value}`).join('; ')

    const rotated = await issuerApp([newKey, oldKey], store)
    const resumed = await rotated.inject({ url: location, headers: { cookie, host: '127.0.0.1' } })
    expect(resumed.statusCode, resumed.body).toBe(200)
    expect(location).toContain(resumed.json<{ uid: string }>().uid)

    // Without the old key the cookie's signature is not recognised: the sign-in is lost.
    const forgotten = await issuerApp([newKey], store)
    expect(
      (await forgotten.inject({ url: location, headers: { cookie, host: '127.0.0.1' } })).statusCode,
    ).toBe(400)
  })
})

import { describe, expect, it } from 'vitest'
import { type SignedBody, signRequest } from '../../../gateways/router/sign-request.ts'
import { admin, newOrganization, type Platform, startPlatform } from '../admin/api-keys-platform.ts'

// Signed requests at the router, on PostgreSQL with keys and signing secrets issued through the
// admin API (docs/routing.md, Request signing).

const body = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] })

async function issue(platform: Platform, fields: Record<string, unknown>) {
  const organization_id = await newOrganization(platform)
  const response = await admin(platform, 'POST', '/api-keys', { organization_id, name: 'k', ...fields })
  if (response.status !== 201) throw new Error(`key not issued: ${JSON.stringify(response.body)}`)
  return response.body as { id: string; key: string; signing_secret: string | null }
}

function send(
  platform: Platform,
  key: string,
  headers: Record<string, string> = {},
  request: { method?: 'GET' | 'POST'; url?: string; payload?: SignedBody } = {},
) {
  const { method = 'POST', url = '/v1/chat/completions', payload = body } = request
  return platform.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(method === 'POST' && payload ? { payload: Buffer.from(payload) } : {}),
  })
}

const signed = (
  secret: string,
  fields: { method?: string; path?: string; body?: SignedBody; now?: number } = {},
) => signRequest({ secret, method: 'POST', path: '/v1/chat/completions', body, ...fields })

const codeOf = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code

/** Rotates the key's signing secret, and waits until the router (through its change feed) takes the new one. */
async function rotateSigningSecret(platform: Platform, id: string, key: string): Promise<void> {
  const rotated = await admin(platform, 'POST', `/api-keys/${id}/rotate-signing-secret`)
  const secret = (rotated.body as { signing_secret: string }).signing_secret
  await expect
    .poll(async () => (await send(platform, key, signed(secret))).statusCode, {
      timeout: 15_000,
      interval: 100,
    })
    .toBe(200)
}

describe('request signing at the router', () => {
  it('a key that requires signatures: unsigned 401, signed 200, the same signature again 401 replay', async () => {
    const platform = await startPlatform()
    const { key, signing_secret } = await issue(platform, { require_signature: true })
    const secret = signing_secret ?? ''

    const unsigned = await send(platform, key)
    expect(unsigned.statusCode).toBe(401)
    expect(unsigned.json()).toMatchObject({
      error: { type: 'authentication_error', code: 'signature_missing' },
    })
    const headers = signed(secret)
    const first = await send(platform, key, headers)
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ object: 'chat.completion' })
    const replay = await send(platform, key, headers)
    expect([replay.statusCode, codeOf(replay)]).toEqual([401, 'signature_replayed'])
    // A GET is signed over the empty body; its path is part of what is signed.
    const models = signRequest({ secret, method: 'GET', path: '/v1/models' })
    expect((await send(platform, key, models, { method: 'GET', url: '/v1/models' })).statusCode).toBe(200)
    const elsewhere = signRequest({ secret, method: 'GET', path: '/v1/models?x=1' })
    const moved = await send(platform, key, elsewhere, { method: 'GET', url: '/v1/models' })
    expect([moved.statusCode, codeOf(moved)]).toEqual([401, 'signature_invalid'])
  })

  it('refuses a changed body, another secret, a malformed header and a timestamp past ±300 s', async () => {
    const platform = await startPlatform()
    const { key, signing_secret } = await issue(platform, { require_signature: true })
    const secret = signing_secret ?? ''
    const refusal = async (headers: Record<string, string>, payload: SignedBody = body) => {
      const response = await send(platform, key, headers, { payload })
      return [response.statusCode, codeOf(response)]
    }
    const tampered = body.replace('hi', 'ho')
    expect(await refusal(signed(secret), tampered)).toEqual([401, 'signature_invalid'])
    // One byte of whitespace is another body: the raw bytes are signed, not the parsed JSON.
    expect(await refusal(signed(secret), `${body} `)).toEqual([401, 'signature_invalid'])
    expect(await refusal(signed('aiaas-sig-another'))).toEqual([401, 'signature_invalid'])
    const headers = signed(secret)
    const plainHex = { ...headers, 'x-aiaas-signature': headers['x-aiaas-signature'].slice(3) }
    expect(await refusal(plainHex)).toEqual([401, 'signature_invalid'])
    expect(await refusal({ 'x-aiaas-signature': headers['x-aiaas-signature'] })).toEqual([
      401,
      'signature_missing',
    ])
    const now = Date.now()
    expect(await refusal(signed(secret, { now: now - 301_000 }))).toEqual([401, 'signature_expired'])
    expect(await refusal(signed(secret, { now: now + 301_000 }))).toEqual([401, 'signature_expired'])
    // Within the window either way, it passes.
    expect((await send(platform, key, signed(secret, { now: now - 240_000 }))).statusCode).toBe(200)
  })

  it('a key that does not require signatures: unsigned passes, a signed request is still verified', async () => {
    const platform = await startPlatform()
    const { id, key } = await issue(platform, {})
    expect((await send(platform, key)).statusCode).toBe(200)
    const none = await send(platform, key, signed('aiaas-sig-guess'))
    expect([none.statusCode, codeOf(none)]).toEqual([401, 'signature_invalid'])

    await rotateSigningSecret(platform, id, key)
    const bad = await send(platform, key, signed('aiaas-sig-guess'))
    expect([bad.statusCode, codeOf(bad)]).toEqual([401, 'signature_invalid'])
    expect((await send(platform, key)).statusCode).toBe(200)
  })

  it('a rotation stops the previous signing secret at once and the new one works', async () => {
    const platform = await startPlatform()
    const { id, key, signing_secret } = await issue(platform, { require_signature: true })
    const old = signing_secret ?? ''
    expect((await send(platform, key, signed(old))).statusCode).toBe(200)
    await rotateSigningSecret(platform, id, key)
    const stale = await send(platform, key, signed(old))
    expect([stale.statusCode, codeOf(stale)]).toEqual([401, 'signature_invalid'])
  })
})

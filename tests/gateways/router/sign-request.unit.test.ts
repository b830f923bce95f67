import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { signingFetch, signingText, signRequest } from '../../../gateways/router/sign-request.ts'

// The signing helper callers copy: what it signs is exactly the four documented lines.

const secret = 'aiaas-sig-test-secret'
const body = '{"model":"echo","messages":[{"role":"user","content":"hi"}]}'

describe('signRequest', () => {
  it('signs METHOD, path?query, unix seconds and the body’s SHA-256 with HMAC-SHA256, labelled v1=', () => {
    const headers = signRequest({
      secret,
      method: 'post',
      path: '/v1/chat/completions?x=1',
      body,
      now: 1_700_000_000_999,
    })
    const bodyHash = createHash('sha256').update(body).digest('hex')
    const text = `POST\n/v1/chat/completions?x=1\n1700000000\n${bodyHash}`
    expect(signingText('post', '/v1/chat/completions?x=1', '1700000000', bodyHash)).toBe(text)
    expect(headers).toEqual({
      'x-aiaas-timestamp': '1700000000',
      'x-aiaas-signature': `v1=${createHmac('sha256', secret).update(text).digest('hex')}`,
    })
  })

  it('signs bytes and text of the same content alike, and no body as the empty one', () => {
    const now = 1_700_000_000_000
    const asText = signRequest({ secret, method: 'POST', path: '/p', body, now })
    const asBytes = signRequest({
      secret,
      method: 'POST',
      path: '/p',
      body: new TextEncoder().encode(body),
      now,
    })
    expect(asBytes).toEqual(asText)
    expect(signRequest({ secret, method: 'GET', path: '/p', now })).toEqual(
      signRequest({ secret, method: 'GET', path: '/p', body: '', now }),
    )
  })
})

describe('signingFetch', () => {
  it('adds the two headers for the URL’s path and query and the body it sends, keeping other headers', async () => {
    let seen: { url: string; init: RequestInit | undefined } | undefined
    const inner = (async (url: string, init?: RequestInit) => {
      seen = { url, init }
      return new Response('{}')
    }) as typeof fetch
    await signingFetch(secret, inner)('http://router.test/v1/chat/completions?a=b', {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body,
    })
    const headers = new Headers(seen?.init?.headers)
    expect(headers.get('authorization')).toBe('Bearer k')
    const timestamp = headers.get('x-aiaas-timestamp') ?? ''
    const expected = signRequest({
      secret,
      method: 'POST',
      path: '/v1/chat/completions?a=b',
      body,
      now: Number(timestamp) * 1000,
    })
    expect(headers.get('x-aiaas-signature')).toBe(expected['x-aiaas-signature'])
  })
})

describe('signingFetch and a request repeated within one second', () => {
  it('stamps the repeat a second later, so the router does not take it for a replay', async () => {
    const sent: Headers[] = []
    const inner = (async (_url: string, init?: RequestInit) => {
      sent.push(new Headers(init?.headers))
      return new Response('{}')
    }) as typeof fetch
    const clock = { now: 1_700_000_000_400 }
    const signed = signingFetch(secret, inner, () => clock.now)
    const call = (content = body) =>
      signed('http://router.test/v1/chat/completions', { method: 'POST', body: content })
    await call()
    await call()
    await call('{"other":true}')
    clock.now += 2000
    await call()
    const stamps = sent.map((headers) => headers.get('x-aiaas-timestamp'))
    expect(stamps).toEqual(['1700000000', '1700000001', '1700000000', '1700000002'])
    const signatures = new Set(sent.map((headers) => headers.get('x-aiaas-signature')))
    expect(signatures.size).toBe(4)
  })
})

import { connect } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { SealedSecret } from '../../../domain/secrets/sealed-secret.ts'
import { useErrorFormat } from '../../../gateways/http/errors/reply.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'
import { signRequest } from '../../../gateways/router/sign-request.ts'
import {
  openedSecrets,
  type RequestSigningDeps,
  useRequestSigning,
} from '../../../gateways/router/signature.ts'
import { createSecretBox } from '../../../infra/crypto/secret-box.ts'
import { createMemoryNonceStore } from '../../../infra/memory/nonce-store.ts'
import type { SecretBox } from '../../../infra/ports/secret-box.ts'
import { keyRecord } from './key-record.ts'

// The router's signature check on its own (no database): how it opens secrets, and what a
// router without AIAAS_KEK answers a signed request.

const sealed = (id: string): SealedSecret => ({
  data_key_id: id,
  alg: 'AES-256-GCM',
  iv: 'aXY=',
  ciphertext: 'Y2lwaGVy',
  tag: 'dGFn',
})

/** A /v1-like app whose one route is reached by a key with `signing_secret` set; `events`: its body parse and errors. */
async function appWith(signing: RequestSigningDeps, events: string[] = []) {
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('signature-test') })
  onTestFinished(() => app.close())
  await app.register(
    async (scope) => {
      useErrorFormat(scope, 'openai')
      scope.decorateRequest('apiKey', null)
      scope.addHook('onRequest', async (request) => {
        request.apiKey = keyRecord({ require_signature: true, signing_secret: sealed('dk-1') })
      })
      useRequestSigning(scope, signing)
      scope.addHook('preParsing', async (_request, _reply, payload) => {
        events.push('parsing')
        return payload
      })
      scope.addHook('onError', async (_request, _reply, error) => {
        events.push(error.message)
      })
      scope.post('/echo', async (request) => request.body)
    },
    { prefix: '/v1' },
  )
  return app
}

describe('openedSecrets', () => {
  it('opens each sealed secret once per data key, and again after it was pushed out', async () => {
    const opened: string[] = []
    const box: SecretBox = {
      seal: () => Promise.reject(new Error('not used')),
      open: async (secret) => {
        opened.push(secret.data_key_id)
        return `plain-${secret.data_key_id}`
      },
    }
    const open = openedSecrets(box, 2)
    expect(await open(sealed('a'))).toBe('plain-a')
    expect(await open(sealed('a'))).toBe('plain-a')
    await open(sealed('b'))
    await open(sealed('c'))
    await open(sealed('a'))
    expect(opened).toEqual(['a', 'b', 'c', 'a'])
  })
})

describe('a router without AIAAS_KEK', () => {
  it('answers a signed request 503 secrets_unavailable: it cannot open the key’s secret', async () => {
    const wrapped = {
      data_key_id: 'dk-1',
      kek_id: 'k1',
      wrapped: { iv: Buffer.alloc(12), ciphertext: Buffer.alloc(32), tag: Buffer.alloc(16) },
    }
    const box = createSecretBox(
      { query: () => Promise.reject(new Error('no database')) },
      undefined,
      async () => wrapped,
    )
    const app = await appWith({
      openSecret: openedSecrets(box),
      nonces: createMemoryNonceStore(),
      now: () => Date.now(),
    })
    const body = '{"a":1}'
    const headers = signRequest({ secret: 'any', method: 'POST', path: '/v1/echo', body })
    const response = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: body,
    })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ error: { code: 'secrets_unavailable' } })
  })
})

describe('a signed request whose client hangs up mid-body', () => {
  it('fails with the hang-up, as an unsigned one does, instead of leaving the parser waiting', async () => {
    const events: string[] = []
    const signing = {
      openSecret: async () => 'secret',
      nonces: createMemoryNonceStore(),
      now: () => Date.now(),
    }
    const app = await appWith(signing, events)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    const headers = signRequest({ secret: 'secret', method: 'POST', path: '/v1/echo', body: '{"a":1}' })
    const socket = connect(port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const head = [
      'POST /v1/echo HTTP/1.1',
      'host: router.test',
      'content-type: application/json',
      'content-length: 100',
      `x-aiaas-timestamp: ${headers['x-aiaas-timestamp']}`,
      `x-aiaas-signature: ${headers['x-aiaas-signature']}`,
    ]
    // Half a body, then the hang-up once the server holds the request.
    await new Promise((resolve) => socket.write(`${head.join('\r\n')}\r\n\r\n{"a":`, resolve))
    await expect.poll(() => events, { timeout: 10_000, interval: 20 }).toContain('parsing')
    socket.destroy()
    await expect.poll(() => events, { timeout: 10_000, interval: 20 }).toContain('aborted')
  })
})

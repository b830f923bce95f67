import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mountConsole } from '../../../gateways/http/console.ts'
import { allowOrigin } from '../../../gateways/http/cors.ts'
import { createMetrics } from '../../../gateways/http/metrics.ts'
import { createServer } from '../../../gateways/http/server.ts'

// Serving the web console (gateways/http/console.ts) from a build directory on disk, and the
// analytics API's CORS for the console's origin only (cors.ts).

const ISSUER = 'http://127.0.0.1:8081/oauth2'
let dir = ''

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-'))
  await mkdir(join(dir, 'built', 'assets'), { recursive: true })
  await writeFile(join(dir, 'built', 'index.html'), '<!doctype html><title>console</title>')
  await writeFile(join(dir, 'built', 'assets', 'index-abc123.js'), 'console.log(1)')
  await writeFile(join(dir, 'secret.txt'), 'outside the build')
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function serving(built: string, analyticsUrl?: string) {
  const app = createServer({ logLevel: 'silent', metrics: createMetrics('console-test') })
  let missing = 0
  await mountConsole(app, { issuer: ISSUER, analyticsUrl, dir: built, onMissing: () => missing++ })
  return { app, missing: () => missing }
}

describe('the console at /console', () => {
  it('serves index.html no-store with a CSP of its own scripts and the APIs, assets immutable', async () => {
    const { app } = await serving(join(dir, 'built'), 'https://analytics.example.com/')
    const index = await app.inject('/console/')
    expect(index.statusCode).toBe(200)
    expect(index.headers['content-type']).toMatch(/^text\/html/)
    expect(index.headers['cache-control']).toBe('no-store')
    const csp = String(index.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:8081 https://analytics.example.com;")
    const asset = await app.inject('/console/assets/index-abc123.js')
    expect([asset.statusCode, asset.body]).toEqual([200, 'console.log(1)'])
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    // The issuer's redirect back lands on the page itself.
    const callback = await app.inject('/console/callback?code=x&state=y')
    expect([callback.statusCode, callback.body]).toEqual([200, index.body])
    expect((await app.inject('/console')).headers.location).toBe('/console/')
    await app.close()
  })

  it('tells the console where the issuer and the APIs are', async () => {
    const { app } = await serving(join(dir, 'built'), 'https://analytics.example.com/')
    const config = await app.inject('/console/config.json')
    expect(config.json()).toEqual({
      issuer: ISSUER,
      client_id: 'aiaas-console',
      scope: 'openid email profile offline_access admin',
      admin_url: 'http://127.0.0.1:8081',
      analytics_url: 'https://analytics.example.com',
    })
    const { app: same } = await serving(join(dir, 'built'))
    expect((await same.inject('/console/config.json')).json().analytics_url).toBe('http://127.0.0.1:8081')
    await Promise.all([app.close(), same.close()])
  })

  it('serves only files of the build', async () => {
    const { app } = await serving(join(dir, 'built'))
    for (const path of ['/console/nope.js', '/console/../secret.txt', '/console/%2e%2e/secret.txt']) {
      const answer = await app.inject(path)
      expect([path, answer.statusCode]).toEqual([path, 404])
      expect(answer.body).not.toContain('outside the build')
    }
    await app.close()
  })

  it('answers 503 CONSOLE_NOT_BUILT, logged once, while the build is missing, and serves it once built', async () => {
    const later = join(dir, 'later')
    const { app, missing } = await serving(later)
    for (const path of ['/console/', '/console/callback']) {
      const answer = await app.inject(path)
      expect(answer.statusCode).toBe(503)
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(answer.json()).toMatchObject({ code: 'CONSOLE_NOT_BUILT' })
      expect(answer.json().detail).toContain('npm run build:console')
    }
    expect(missing()).toBe(1)
    await mkdir(later)
    await writeFile(join(later, 'index.html'), '<!doctype html><title>late</title>')
    expect((await app.inject('/console/')).statusCode).toBe(200)
    await app.close()
  })
})

describe("the analytics API's CORS", () => {
  it("answers the console's origin only, preflight included", async () => {
    const app = createServer({ logLevel: 'silent', metrics: createMetrics('cors-test') })
    allowOrigin(app, '/analytics/v1', 'https://identity.example.com')
    app.get('/analytics/v1/usage', async () => ({ ok: true }))
    const ours = await app.inject({
      url: '/analytics/v1/usage',
      headers: { origin: 'https://identity.example.com' },
    })
    expect(ours.headers['access-control-allow-origin']).toBe('https://identity.example.com')
    expect(ours.headers.vary).toContain('origin')
    const theirs = await app.inject({
      url: '/analytics/v1/usage',
      headers: { origin: 'https://evil.example' },
    })
    expect(theirs.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/analytics/v1/usage',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      })
    const allowed = await preflight('https://identity.example.com')
    expect(allowed.statusCode).toBe(204)
    expect(allowed.headers['access-control-allow-headers']).toContain('authorization')
    const refused = await preflight('https://evil.example')
    expect(refused.statusCode).toBe(403)
    expect(refused.headers['access-control-allow-origin']).toBeUndefined()
    await app.close()
  })
})

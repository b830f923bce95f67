import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { html, sendPage } from '../../../../gateways/oauth2/interactions/html.ts'
import { loginForm } from '../../../../gateways/oauth2/interactions/pages.ts'
import { addressThrottle } from '../../../../gateways/oauth2/interactions/throttle.ts'

describe('sign-in pages', () => {
  it('escape every interpolated value, so what a person typed never becomes markup', () => {
    const typed = `"><script>alert(1)</script>`
    const page = loginForm('/oauth2/interaction/x/login', { email: typed, error: '<b>' })
    expect(page.markup).not.toContain('<script>')
    expect(page.markup).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"')
    expect(page.markup).toContain('&lt;b&gt;')
    expect(html`<p>${html`<i>kept</i>`}</p>`.markup).toBe('<p><i>kept</i></p>')
  })

  it('are sent with a CSP that allows only their own style, data: images, and forms to themselves and the client', async () => {
    const app = Fastify()
    app.get('/page', (_request, reply) =>
      sendPage(reply, { title: 'T', body: html`<p>x</p>`, formTargets: ['http://127.0.0.1:5000'] }),
    )
    const response = await app.inject('/page')
    const csp = String(response.headers['content-security-policy'])
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1]
    expect(nonce).toBeTruthy()
    expect(response.body).toContain(`<style nonce="${nonce}">`)
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain('img-src data:')
    expect(csp).toContain("form-action 'self' http://127.0.0.1:5000")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
    // A new nonce on every page.
    expect((await app.inject('/page')).headers['content-security-policy']).not.toBe(csp)
  })
})

describe('the per-address sign-in throttle', () => {
  it('allows `limit` attempts per window and address, then says how long to wait', () => {
    let now = 0
    const throttle = addressThrottle({ limit: 2, windowMs: 60_000, now: () => now })
    expect(throttle.attempt('a')).toBeNull()
    expect(throttle.attempt('a')).toBeNull()
    now = 15_000
    expect(throttle.attempt('a')).toBe(45)
    expect(throttle.attempt('b')).toBeNull()
    now = 60_000
    expect(throttle.attempt('a')).toBeNull()
  })

  it('forgets the oldest address first when full', () => {
    const throttle = addressThrottle({ limit: 1, windowMs: 60_000, now: () => 0, maxAddresses: 2 })
    throttle.attempt('a')
    throttle.attempt('b')
    throttle.attempt('c')
    expect(throttle.attempt('a')).toBeNull()
    expect(throttle.attempt('c')).toBe(60)
  })
})

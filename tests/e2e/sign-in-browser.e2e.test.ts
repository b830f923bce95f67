import { createServer, type Server } from 'node:http'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newKeyringText } from '../../infra/crypto/keyring.ts'
import { TOTP_PERIOD_SECONDS, totpCode, totpStep } from '../../infra/crypto/totp.ts'
import { authorizeUrl, exchange, pkce, tokenRequest } from '../gateways/oauth2/sign-in-client.ts'
import { launchBrowser, screenshot } from '../support/browser.ts'
import { call as callAt } from '../support/json-http.ts'
import { freePort } from '../support/processes.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../support/separate-platform.ts'

// A person signs in as production runs it (`aiaas identity` with its issuer and `aiaas projector`
// on real PostgreSQL and Redis), in headless Chromium: invited, sets a password on the invitation
// page, signs in with authorization code + PKCE (this test is the client, its loopback redirect a
// server of its own), enrols TOTP because the organization requires it, consents, and uses the
// admin API with the token it got. A replayed TOTP code and a replayed authorization code are
// refused, and the replay revokes what the first redemption issued.
describe('a person signs in with a browser', () => {
  let platform: SeparatePlatform
  let adminToken = ''
  let identity = ''
  let browser: Browser
  let callback: Server
  let redirectUri = ''
  let onCallback: (url: URL) => void = () => {}

  beforeAll(async () => {
    platform = await startSeparatePlatform({
      name: 'people',
      commands: ['identity', 'projector'],
      env: { AIAAS_KEK: newKeyringText('e2e') },
    })
    adminToken = platform.adminToken
    identity = platform.url('identity')
    const callbackPort = await freePort()
    // The client's loopback redirect (RFC 8252 §7.3): any port on 127.0.0.1, path /callback.
    callback = createServer((request, response) => {
      onCallback(new URL(request.url ?? '/', `http://127.0.0.1:${callbackPort}`))
      response.end('signed in')
    })
    await new Promise<void>((resolve) => callback.listen(callbackPort, '127.0.0.1', resolve))
    redirectUri = `http://127.0.0.1:${callbackPort}/callback`
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => callback?.close(resolve))
    await platform?.stop()
  })

  const call = (token: string, method: string, path: string, body?: unknown) =>
    callAt(identity, token, method, path, body)
  const asAdmin = (method: string, path: string, body?: unknown) =>
    call(adminToken, method, `/admin/v1${path}`, body)

  /** Opens the authorize URL in a new browser (no session); resolves with the callback's URL. */
  async function startSignIn(request: { prompt?: string | null } = {}) {
    const { verifier, challenge } = pkce()
    const page = await (await browser.newContext()).newPage()
    const called = new Promise<URL>((resolve) => {
      onCallback = resolve
    })
    await page.goto(authorizeUrl(identity, challenge, { redirectUri, ...request }))
    return { page, verifier, called }
  }

  async function login(page: Page, email: string, password: string) {
    await page.locator('#email').fill(email)
    await page.locator('#password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  const PASSWORD = 'a long enough passphrase for ada'

  it('invited, sets a password, enrols TOTP, consents and uses the admin API; replays are refused', async () => {
    const acme = (await asAdmin('POST', '/organizations', { name: 'Acme' })).body.id ?? ''
    expect(
      (await asAdmin('PATCH', `/organizations/${acme}`, { settings: { mfa_required: true } })).status,
    ).toBe(200)
    const globex = (await asAdmin('POST', '/organizations', { name: 'Globex' })).body.id ?? ''
    const ada = (
      await asAdmin('POST', '/users', { email: 'ada@example.com', display_name: 'Ada', invite: true })
    ).body.id
    expect(
      (await asAdmin('PUT', `/organizations/${acme}/members/${ada}`, { roles: ['org_admin'] })).status,
    ).toBe(200)
    const invitation = await asAdmin('POST', `/users/${ada}/invitation`)
    expect(invitation.status).toBe(201)

    // The invitation link, in the browser.
    const invited = await (await browser.newContext()).newPage()
    await invited.goto(`${identity}/oauth2/invitations/${invitation.body.token}`)
    await screenshot(invited, '1-invitation')
    await invited.locator('#password').fill(PASSWORD)
    await invited.locator('#confirm').fill(PASSWORD)
    await invited.getByRole('button', { name: 'Set password' }).click()
    await invited.getByText('Your password is set').waitFor()

    // Sign-in: password, then TOTP enrolment (the organization requires it), recovery codes, consent.
    const first = await startSignIn()
    await screenshot(first.page, '2-login')
    await login(first.page, 'Ada@Example.com', PASSWORD)
    await first.page.locator('#totp-secret').waitFor()
    await screenshot(first.page, '3-enrol')
    const secret = (await first.page.locator('#totp-secret').textContent()) ?? ''
    const enrolledAt = new Date()
    await first.page.locator('#code').fill(totpCode(secret, enrolledAt))
    await first.page.getByRole('button', { name: 'Confirm' }).click()
    await first.page.locator('#recovery-codes').waitFor()
    expect(await first.page.locator('#recovery-codes li').count()).toBe(10)
    await screenshot(first.page, '4-recovery-codes')
    await first.page.getByRole('button', { name: 'Continue' }).click()
    await first.page.locator('#scopes').waitFor()
    await screenshot(first.page, '5-consent')
    await first.page.getByRole('button', { name: 'Allow' }).click()
    const code = (await first.called).searchParams.get('code') ?? ''
    expect(code).not.toBe('')

    const tokens = await exchange(identity, code, first.verifier, redirectUri)
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200)
    const access = tokens.body.access_token ?? ''
    expect((await call(access, 'GET', `/admin/v1/organizations/${acme}`)).status).toBe(200)
    expect((await call(access, 'GET', `/admin/v1/organizations/${globex}`)).status).toBe(404)
    const key = await call(access, 'POST', '/admin/v1/api-keys', { organization_id: acme, name: 'ada' })
    expect(key.status, JSON.stringify(key.body)).toBe(201)
    const refreshed = await tokenRequest(identity, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token ?? '',
    })
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
    const refreshedAccess = refreshed.body.access_token ?? ''
    expect((await call(refreshedAccess, 'GET', `/admin/v1/organizations/${acme}`)).status).toBe(200)

    // Signing in again (a new browser): the code of the step used at enrolment is refused...
    const second = await startSignIn({ prompt: null })
    await login(second.page, 'ada@example.com', PASSWORD)
    await second.page.locator('#code').fill(totpCode(secret, enrolledAt))
    await second.page.getByRole('button', { name: 'Verify' }).click()
    await second.page.getByText('That code has already been used.').waitFor()
    await screenshot(second.page, '6-replayed-code')
    // ...and the next step's code, once its step has begun, signs in (consent is remembered).
    const nextStepAt = (totpStep(enrolledAt) + 1) * TOTP_PERIOD_SECONDS * 1000
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextStepAt - Date.now())))
    await second.page.locator('#code').fill(totpCode(secret, new Date()))
    await second.page.getByRole('button', { name: 'Verify' }).click()
    const secondCode = (await second.called).searchParams.get('code') ?? ''
    expect((await exchange(identity, secondCode, second.verifier, redirectUri)).status).toBe(200)

    // The first code redeemed again fails, and what its redemption issued stops working.
    const replay = await exchange(identity, code, first.verifier, redirectUri)
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect((await call(access, 'GET', `/admin/v1/organizations/${acme}`)).status).toBe(401)
    expect((await call(refreshedAccess, 'GET', `/admin/v1/organizations/${acme}`)).status).toBe(401)
    const refreshAgain = await tokenRequest(identity, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token ?? '',
    })
    expect(refreshAgain).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  })
})

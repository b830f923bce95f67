import { describe, expect, it, vi } from 'vitest'
import { SIGN_IN_ATTEMPTS_PER_MINUTE } from '../../../gateways/oauth2/interactions/mount-pages.ts'
import { matchingStep, totpCode } from '../../../infra/crypto/totp.ts'
import { call, startSeparateAnalytics, tokenPlatformEachTest } from './platform.ts'
import { authorizeUrl, browser, codeOf, exchange, formAction, pkce, tokenRequest } from './sign-in-client.ts'

// People sign in through the issuer's pages with authorization code + PKCE (fetch and a cookie
// jar standing in for the browser): login outcomes, lock-out, an organization's required second
// factor, consent remembered or denied, an invited user activated, the token as the user's Subject,
// and a replayed code revoking what the first redemption issued. On real PostgreSQL.
const world = tokenPlatformEachTest('sign_in')
const { asAdmin, organization } = world

const PASSWORD = 'correct horse battery staple'

/** An invited member of `organization_id` who has set their password through the invitation page. */
async function invitedPerson(email: string, organization_id: string, roles = ['org_admin']) {
  const made = await asAdmin('POST', '/users', { email, display_name: 'Ada', invite: true })
  expect(made.status).toBe(201)
  const id = String(made.body.id)
  expect((await asAdmin('PUT', `/organizations/${organization_id}/members/${id}`, { roles })).status).toBe(
    200,
  )
  const invitation = await asAdmin('POST', `/users/${id}/invitation`)
  expect(invitation.status).toBe(201)
  const page = browser(world.platform.base)
  const path = `/oauth2/invitations/${encodeURIComponent(String(invitation.body.token))}`
  const form = await page.get(path)
  expect(form.status).toBe(200)
  const set = await page.post(formAction(form), { password: PASSWORD, confirm: PASSWORD })
  expect(set.text).toContain('Your password is set')
  return id
}

/** Starts a sign-in and posts the login form; the answer after the redirects. */
async function login(email: string, password = PASSWORD, request: Parameters<typeof authorizeUrl>[2] = {}) {
  const { verifier, challenge } = pkce()
  const b = browser(world.platform.base)
  const page = await b.get(authorizeUrl(world.platform.base, challenge, request))
  expect(page.status, page.text).toBe(200)
  return { b, verifier, answer: await b.post(formAction(page), { email, password }) }
}

const approve = (b: ReturnType<typeof browser>, consent: { text: string; status: number }) => {
  expect(consent.text).toContain('asks to')
  return b.post(formAction({ ...consent, url: '', location: null, headers: new Headers() }), {
    decision: 'approve',
  })
}

/** An invited member of a new organization, signed in with consent: the code and its first redemption. */
async function signedInPerson(roles?: string[]) {
  const acme = await organization('Acme')
  const id = await invitedPerson('ada@example.com', acme, roles)
  const { b, answer, verifier } = await login('ada@example.com')
  const code = codeOf(await approve(b, answer))
  return { acme, id, code, verifier, tokens: await exchange(world.platform.base, code, verifier) }
}

/** What an access token gets on GET /admin/v1/organizations/{id}. */
const organizationStatus = async (token: string, id: string) =>
  (await call(world.platform.base, token, 'GET', `/admin/v1/organizations/${id}`)).status

const refreshWith = (refresh_token: string | undefined) =>
  tokenRequest(world.platform.base, { grant_type: 'refresh_token', refresh_token: refresh_token ?? '' })

/** Token revocation (RFC 7009) by the sign-in client. */
const revoke = (fields: Record<string, string>) =>
  fetch(`${world.platform.base}/oauth2/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: 'aiaas-console', ...fields }).toString(),
  })

describe('signing in with authorization code + PKCE', () => {
  it('activates an invited person, asks consent once, and gives tokens that act as them in their organization only', async () => {
    const acme = await organization('Acme')
    const globex = await organization('Globex')
    const id = await invitedPerson('ada@example.com', acme)

    const first = await login('Ada@Example.com')
    const { verifier } = first
    const code = codeOf(await approve(first.b, first.answer))
    const tokens = await exchange(world.platform.base, code, verifier)
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200)
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: expect.stringContaining('admin') })
    const access = String(tokens.body.access_token)

    expect(await organizationStatus(access, acme)).toBe(200)
    expect(await organizationStatus(access, globex)).toBe(404)
    const issued = await call(world.platform.base, access, 'POST', '/admin/v1/api-keys', {
      organization_id: acme,
      name: 'mine',
    })
    expect(issued.status, JSON.stringify(issued.body)).toBe(201)
    const { rows } = await world.handle.db.query<{ type: string; actor: string }>(
      `SELECT type, metadata->>'actor' AS actor FROM events WHERE type IN ('UserActivated', 'ApiKeyIssued') ORDER BY global_position`,
    )
    expect(rows).toEqual([
      { type: 'UserActivated', actor: `user:${id}` },
      { type: 'ApiKeyIssued', actor: `user:${id}` },
    ])

    // The refresh token rotates: the new one works, and gives a working access token.
    const refreshed = await refreshWith(tokens.body.refresh_token)
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200)
    expect(refreshed.body.refresh_token).not.toBe(tokens.body.refresh_token)
    expect(await organizationStatus(String(refreshed.body.access_token), acme)).toBe(200)

    // The next sign-in without prompt=consent skips the consent page: the code comes right after
    // the password. (A refresh token needs prompt=consent, and then the page is always shown.)
    const again = await login('ada@example.com', PASSWORD, { scope: 'openid admin', prompt: null })
    expect((await exchange(world.platform.base, codeOf(again.answer), again.verifier)).status).toBe(200)
  })

  it('refuses an unknown email and a wrong password alike, then locks the person out for a while', async () => {
    const acme = await organization('Acme')
    await invitedPerson('ada@example.com', acme)
    const unknown = await login('nobody@example.com')
    const wrong = await login('ada@example.com', 'not the password at all')
    for (const answer of [unknown.answer, wrong.answer]) {
      expect(answer.status).toBe(401)
      expect(answer.text).toContain('Wrong email or password.')
    }
    let locked = wrong.answer
    for (let attempt = 0; attempt < 5 && locked.status !== 429; attempt++) {
      locked = (await login('ada@example.com', 'not the password at all')).answer
    }
    expect(locked.status).toBe(429)
    expect(locked.text).toMatch(/Too many attempts; retry in \d+ s\./)
    // Even the right password is refused while locked.
    expect((await login('ada@example.com')).answer.status).toBe(429)
  })

  it('limits sign-in posts per address, whoever they name', async () => {
    const { challenge } = pkce()
    const b = browser(world.platform.base)
    const page = await b.get(authorizeUrl(world.platform.base, challenge))
    const action = formAction(page)
    const answers = []
    for (let attempt = 0; attempt <= SIGN_IN_ATTEMPTS_PER_MINUTE; attempt++) {
      answers.push(await b.post(action, { email: `nobody${attempt}@example.com`, password: 'x'.repeat(12) }))
    }
    expect(answers.slice(0, -1).every((answer) => answer.status === 401)).toBe(true)
    const limited = answers.at(-1)
    expect(limited?.status).toBe(429)
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(limited?.text).toContain('Too many sign-in attempts from your address')
  })

  it('makes a member of an organization with mfa_required enrol TOTP in the flow, then asks for a code each time', async () => {
    const acme = await organization('Acme', true)
    await invitedPerson('ada@example.com', acme)
    const first = await login('ada@example.com')
    expect(first.answer.text).toContain('Set up two-factor sign-in')
    const secret = /<code id="totp-secret">([A-Z2-7]+)<\/code>/.exec(first.answer.text)?.[1] ?? ''
    expect(first.answer.text).toMatch(/<img src="data:image\/png;base64,/)
    // A code that is none of the three steps' around now (a fixed one could match by chance).
    const notACode = ['000000', '111111', '222222'].find((c) => matchingStep(secret, c, new Date()) === null)
    const wrongCode = await first.b.post(formAction(first.answer), { code: notACode ?? '' })
    expect(wrongCode.text).toContain('That code is not valid.')
    expect(wrongCode.text).toContain(secret)
    const codes = await first.b.post(formAction(wrongCode), { code: totpCode(secret, new Date()) })
    expect(codes.text).toMatch(/<ul class="codes" id="recovery-codes">(<li>[^<]+<\/li>){10}/)
    const consent = await first.b.post(formAction(codes), {})
    expect(
      (await exchange(world.platform.base, codeOf(await approve(first.b, consent)), first.verifier)).status,
    ).toBe(200)

    // Next time: the password, then a code; a recovery code works once.
    const recovery = /<li>([^<]+)<\/li>/.exec(codes.text)?.[1] ?? ''
    const noConsent = { scope: 'openid admin', prompt: null }
    const second = await login('ada@example.com', PASSWORD, noConsent)
    expect(second.answer.text).toContain('Two-factor sign-in')
    const done = await second.b.post(formAction(second.answer), { code: recovery })
    expect((await exchange(world.platform.base, codeOf(done), second.verifier)).status).toBe(200)
    const third = await login('ada@example.com', PASSWORD, noConsent)
    const reused = await third.b.post(formAction(third.answer), { code: recovery })
    expect(reused.status).toBe(401)
    expect(reused.text).toContain('That code has already been used.')
  })

  it('sends access_denied to the client when the person denies consent', async () => {
    const acme = await organization('Acme')
    await invitedPerson('ada@example.com', acme)
    const { b, answer } = await login('ada@example.com')
    const denied = await b.post(formAction(answer), { decision: 'deny' })
    expect(new URL(denied.location ?? '').searchParams.get('error')).toBe('access_denied')
  })

  it('refuses a code redeemed twice and then the tokens of its first redemption', async () => {
    const { acme, code, verifier, tokens: first } = await signedInPerson()
    expect(first.status).toBe(200)
    const access = String(first.body.access_token)
    expect(await organizationStatus(access, acme)).toBe(200)

    const replay = await exchange(world.platform.base, code, verifier)
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
    expect(await organizationStatus(access, acme)).toBe(401)
    const refresh = await refreshWith(first.body.refresh_token)
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('revokes the whole grant when its refresh token is revoked: the access tokens stop too', async () => {
    const { acme, tokens } = await signedInPerson()
    const access = String(tokens.body.access_token)
    expect(await organizationStatus(access, acme)).toBe(200)
    const revoked = await revoke({ token: tokens.body.refresh_token ?? '', token_type_hint: 'refresh_token' })
    expect(revoked.status).toBe(200)
    expect(await organizationStatus(access, acme)).toBe(401)
    const refresh = await refreshWith(tokens.body.refresh_token)
    expect(refresh).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  })

  it('is refused by a separate analytics once its grant is revoked (the issuer’s store is shared)', async () => {
    const { acme, tokens } = await signedInPerson(['analyst'])
    const jwks = new URL(`${world.platform.base}/oauth2/jwks`)
    const analytics = await startSeparateAnalytics(world.handle.db, jwks, world.platform.oidcStore)
    const range = 'from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z'
    const usage = () =>
      call(
        analytics,
        String(tokens.body.access_token),
        'GET',
        `/analytics/v1/usage?organization_id=${acme}&${range}`,
      )
    expect((await usage()).status).toBe(200)

    const revoked = await revoke({ token: tokens.body.refresh_token ?? '' })
    expect(revoked.status).toBe(200)
    expect((await usage()).status).toBe(401)
  })

  it('stops a disabled person: no sign-in, and their token stops at once', async () => {
    const { acme, id, tokens } = await signedInPerson()
    const access = String(tokens.body.access_token)
    expect((await asAdmin('PATCH', `/users/${id}`, { status: 'disabled' })).status).toBe(200)
    await vi.waitFor(async () => expect(await organizationStatus(access, acme)).toBe(401))
    expect((await login('ada@example.com')).answer.text).toContain('Wrong email or password.')
  })
})

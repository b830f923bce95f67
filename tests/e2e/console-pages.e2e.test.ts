import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchBrowser } from '../support/browser.ts'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../support/embedded.ts'
import { call } from '../support/json-http.ts'
import { createOrgAndKey, json, usageOf } from '../support/walkthrough.ts'

// The console's organization, users, budgets, models, reliability, exports and audit pages in
// headless Chromium, signed in as a platform admin of `aiaas dev` through the console's own sign-in:
// each page shows what the API holds, its writes reach the API, and no control lacks a name.
// The console under test is built from the sources into a directory of its own (AIAAS_CONSOLE_DIR).

const SHOTS = fileURLToPath(new URL('../../build/test-artifacts/console/', import.meta.url))
const PASSWORD = 'a long enough passphrase for everyone'

/** Every form control and button without an accessible name (label, aria-label(ledby), text). */
function unlabelled(page: Page): Promise<string[]> {
  return page.locator('main input, main select, main textarea, main button').evaluateAll((elements) =>
    elements
      .filter((element) => {
        const named = element.getAttribute('aria-label') || element.getAttribute('aria-labelledby')
        const labels = (element as HTMLInputElement).labels
        const text = element.tagName === 'BUTTON' ? (element.textContent ?? '').trim() : ''
        return !named && !(labels && labels.length > 0) && text === ''
      })
      .map((element) => element.outerHTML.slice(0, 120)),
  )
}

describe('console pages', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let browser: Browser
  let page: Page
  let org = ''
  let tmp = ''
  let keyId = ''
  /** Script errors and CSP violations the pages met. */
  const problems: string[] = []
  const admin = (method: string, path: string, body?: unknown) =>
    call(platform.base, TEST_ADMIN_TOKEN, method, `/admin/v1${path}`, body)

  async function visit(route: string, heading: string, shot: string) {
    await page.goto(`${platform.base}/console/#${route}`)
    await page.getByRole('heading', { level: 1, name: heading }).waitFor()
    await page.screenshot({ path: join(SHOTS, `pages-${shot}.png`), fullPage: true })
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'aiaas-console-pages-'))
    const configFile = fileURLToPath(new URL('../../gateways/console/vite.config.ts', import.meta.url))
    await build({ configFile, logLevel: 'warn', build: { outDir: join(tmp, 'console') } })
    await mkdir(SHOTS, { recursive: true })
    platform = await startEmbedded(() => ({ AIAAS_CONSOLE_DIR: join(tmp, 'console') }))
    const endpoints = platform.endpoints
    const created = await createOrgAndKey(endpoints)
    org = created.organizationId
    const keys = await admin('GET', `/api-keys?organization_id=${org}`)
    keyId = (keys.body.data as Array<{ id: string }>)[0]?.id ?? ''
    // A person who is a platform admin and Acme's owner, with a password to sign in with.
    const root =
      (await admin('POST', '/users', { email: 'root@example.com', display_name: 'Root' })).body.id ?? ''
    expect((await admin('PUT', `/users/${root}/password`, { password: PASSWORD })).status).toBe(204)
    expect((await admin('PATCH', `/users/${root}`, { platform_admin: true })).status).toBe(200)
    expect(
      (await admin('PUT', `/organizations/${org}/members/${root}`, { roles: ['org_owner'] })).status,
    ).toBe(200)
    const bob =
      (await admin('POST', '/users', { email: 'bob@example.com', display_name: 'Bob' })).body.id ?? ''
    expect((await admin('PUT', `/organizations/${org}/members/${bob}`, { roles: ['analyst'] })).status).toBe(
      200,
    )
    const budget = {
      organization_id: org,
      limit_usd: '10.00',
      period: 'monthly',
      enforcement: 'hard',
      alert_thresholds: [0.5, 0.8],
    }
    expect((await admin('POST', '/budgets', budget)).status).toBe(201)
    const model = {
      name: 'acme-chat',
      input_price_per_million_usd: '0.50',
      output_price_per_million_usd: '1.50',
      max_output_tokens: 4096,
      backends: [
        { url: 'https://llm.example.com/v1', provider: 'openai-compatible', probe: { path: '/v1/models' } },
      ],
    }
    const modelCreated = await admin('POST', '/models', model)
    expect(modelCreated.status, JSON.stringify(modelCreated.body)).toBe(201)
    const completion = await fetch(`${platform.base}/v1/chat/completions`, {
      method: 'POST',
      headers: json(created.key),
      body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'Hello, console!' }] }),
    })
    expect(completion.status).toBe(200)
    await usageOf(endpoints, org, 1)

    expect((await admin('PUT', `/users/${bob}/password`, { password: PASSWORD })).status).toBe(204)

    browser = await launchBrowser()
    page = await signIn('root@example.com')
  })

  /** A new browser context signed in to the console as `email`, on the home page. */
  async function signIn(email: string): Promise<Page> {
    const signed = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    signed.on('console', (message) => {
      // An API refusal the test provokes (the 422 of a bad budget) is logged by Chromium as a failed
      // load: that is the API answering, not the page failing.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(message.text())
    })
    signed.on('pageerror', (error) => problems.push(error.message))
    await signed.goto(`${platform.base}/console/`)
    await signed.getByRole('button', { name: 'Sign in' }).click()
    await signed.locator('#email').fill(email)
    await signed.locator('#password').fill(PASSWORD)
    await signed.getByRole('button', { name: 'Sign in' }).click()
    const allow = signed.getByRole('button', { name: 'Allow' })
    const nav = signed.getByRole('navigation', { name: 'Main' })
    await Promise.race([allow.waitFor(), nav.waitFor()])
    if (await allow.isVisible()) await allow.click()
    await nav.waitFor()
    return signed
  }

  afterAll(async () => {
    await browser?.close()
    await platform?.stop()
    if (tmp) await rm(tmp, { recursive: true, force: true })
  })

  it('organizations: lists Acme and saves its settings through the API', async () => {
    await visit('/organizations', 'Organizations', 'organizations')
    await page.getByRole('row', { name: /Acme/ }).first().waitFor()
    await page.getByLabel('Time zone (budget periods)').fill('Europe/Paris')
    await page.getByLabel('Requests per minute (empty: none)').fill('600')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    const saved = await admin('GET', `/organizations/${org}`)
    expect(saved.body.settings).toMatchObject({ timezone: 'Europe/Paris', rpm_limit: 600 })
    expect(await unlabelled(page)).toEqual([])
  })

  it('organizations: a platform admin creates one, suspends, reactivates and closes it', async () => {
    await visit('/organizations', 'Organizations', 'organizations-lifecycle')
    await page.getByLabel("New organization's name").fill('Globex')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByRole('heading', { level: 2, name: 'Globex' }).waitFor()
    const listed = await admin('GET', '/organizations')
    const globex = (listed.body.data as Array<{ id: string; name: string }>).find((o) => o.name === 'Globex')
    expect(globex).toBeDefined()
    const status = async () => (await admin('GET', `/organizations/${globex?.id}`)).body.status

    await page.getByLabel('Reason for suspending').fill('unpaid invoice')
    await page.getByRole('button', { name: 'Suspend' }).click()
    await page.getByText('(unpaid invoice)').waitFor()
    expect(await status()).toBe('suspended')
    await page.getByRole('button', { name: 'Reactivate' }).click()
    await page.getByRole('button', { name: 'Suspend' }).waitFor()
    expect(await status()).toBe('active')
    await page.getByRole('button', { name: 'Close organization' }).click()
    await page.getByRole('button', { name: 'Yes, close it' }).click()
    await page.getByText('You may read these settings; an organization owner changes them.').waitFor()
    expect(await status()).toBe('closed')
    expect(await page.getByRole('button', { name: 'Close organization' }).count()).toBe(0)
  })

  it('organizations: a create whose answer was lost, clicked again, makes one organization', async () => {
    await visit('/organizations', 'Organizations', 'organizations-retry')
    // The first POST reaches the API, which creates the organization; its answer never arrives.
    let lost = false
    await page.route('**/admin/v1/organizations', async (route) => {
      if (route.request().method() !== 'POST' || lost) return route.continue()
      lost = true
      await route.fetch()
      await route.abort('connectionreset')
    })
    await page.getByLabel("New organization's name").fill('Initech')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByText('The API could not be reached').waitFor()
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByRole('heading', { level: 2, name: 'Initech' }).waitFor()
    await page.unroute('**/admin/v1/organizations')
    const listed = await admin('GET', '/organizations?limit=100')
    const named = (listed.body.data as Array<{ name: string }>).filter((o) => o.name === 'Initech')
    expect(named).toHaveLength(1)
  })

  it('users: shows members with their roles and invites a person, showing the link once', async () => {
    await visit('/users', 'Users and roles', 'users')
    await page.getByRole('row', { name: /Bob.*analyst/ }).waitFor()
    await page.getByLabel('Email').fill('carol@example.com')
    await page.getByLabel('Name', { exact: true }).fill('Carol')
    await page.getByRole('button', { name: 'Invite' }).click()
    const link = page.locator('.secret a')
    await link.waitFor()
    const href = (await link.getAttribute('href')) ?? ''
    expect(href).toMatch(new RegExp(`^${platform.base}/oauth2/invitations/[^/]+$`))
    // The link works: it opens the issuer's set-password page for Carol.
    const invited = await (await browser.newContext()).newPage()
    await invited.goto(href)
    await invited.locator('#password').waitFor()
    expect(await invited.title()).toContain('Set your password')
    await invited.context().close()
    await page.getByRole('row', { name: /Carol.*invited.*member/ }).waitFor()

    await page.getByRole('button', { name: 'Change roles of Bob' }).click()
    await page.getByRole('group', { name: 'Roles of Bob' }).getByLabel('auditor').check()
    await page.getByRole('button', { name: 'Save roles' }).click()
    await page.getByRole('row', { name: /Bob.*analyst, auditor/ }).waitFor()
    const members = await admin('GET', `/users?organization_id=${org}`)
    const bob = (members.body.data as Array<{ email: string; memberships: unknown }>).find(
      (u) => u.email === 'bob@example.com',
    )
    expect(bob?.memberships).toEqual([{ organization_id: org, roles: ['analyst', 'auditor'] }])

    // Removing asks first; cancelling keeps the member, confirming removes it.
    await page.getByRole('button', { name: 'Remove Carol from the organization' }).click()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Remove Carol from the organization' }).click()
    await page.getByRole('button', { name: 'Yes, remove' }).click()
    await page.getByRole('row', { name: /Carol/ }).waitFor({ state: 'detached' })
    expect(await unlabelled(page)).toEqual([])
  })

  it('budgets: a bar of the spend against the limit with its thresholds', async () => {
    await visit('/budgets', 'Budgets', 'budgets')
    const meter = page.getByRole('meter', { name: 'Spend against the limit' })
    await meter.waitFor({ state: 'attached' })
    await page
      .getByText(/\$0\.\d+ of \$10\.00/)
      .first()
      .waitFor()
    await page.getByText(/alerts at 50 %, 80 %/).waitFor()
    expect(await page.getByRole('cell', { name: 'hard (refuses)' }).count()).toBe(1)

    await page.getByRole('button', { name: 'Change the monthly budget of Whole organization' }).click()
    await page.getByLabel('Limit (USD)').nth(1).fill('20')
    await page.getByRole('button', { name: 'Save budget' }).click()
    await page.getByRole('cell', { name: '$20.00', exact: true }).waitFor()
    const changed = await admin('GET', `/budgets?organization_id=${org}`)
    expect(changed.body.data).toEqual([expect.objectContaining({ period: 'monthly', limit_usd: '20.00' })])

    // The API's refusal is shown as it said it.
    await page.getByLabel('Period').selectOption('daily')
    await page.getByLabel('Limit (USD)').fill('-1')
    await page.getByRole('button', { name: 'Create budget' }).click()
    await page.getByRole('alert').getByText('Code: BUDGET_LIMIT_INVALID').waitFor()

    // A budget of one key, picked by its name.
    await page.getByLabel('Scope').selectOption({ label: 'API key walkthrough' })
    await page.getByLabel('Limit (USD)').fill('5')
    await page.getByLabel('Enforcement').selectOption('soft')
    await page.getByRole('button', { name: 'Create budget' }).click()
    await page.getByRole('row', { name: /API key walkthrough.*daily.*soft \(alerts only\)/ }).waitFor()
    const listed = await admin('GET', `/budgets?organization_id=${org}`)
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          period: 'daily',
          limit_usd: '5.00',
          enforcement: 'soft',
          api_key_id: keyId,
        }),
      ]),
    )
    await page.getByRole('button', { name: 'Delete the daily budget of API key walkthrough' }).click()
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByRole('cell', { name: 'soft (alerts only)' }).waitFor({ state: 'detached' })
    expect((await admin('GET', `/budgets?organization_id=${org}`)).body.data).toHaveLength(1)
    expect(await unlabelled(page)).toEqual([])
  })

  it('models: the catalogue with each backend and prices, changed through the API', async () => {
    await visit('/models', 'Models, backends and prices', 'models')
    await page.getByRole('heading', { level: 2, name: 'acme-chat' }).waitFor()
    const backends = page.getByRole('table', { name: 'Backends of acme-chat' })
    await backends
      .getByRole('row', { name: /llm\.example\.com.*openai-compatible.*\/v1\/models every 10 s/ })
      .waitFor()
    // Its circuit, read from /models/{name}/health: its probes fail (no such host), so it may be
    // open by now; either way the state comes from the board, not "reading…".
    await backends.getByRole('cell', { name: /^(closed: serving|open: skipped for .+ more.*)$/ }).waitFor()
    await page.getByRole('button', { name: 'Read health of acme-chat again' }).click()
    await backends.getByRole('cell', { name: /^(closed: serving|open: skipped for .+ more.*)$/ }).waitFor()
    await page.getByText('aiaas_router_backend_state').waitFor()
    await page.getByLabel('Input price per million tokens (USD)').fill('0.75')
    await page.getByRole('button', { name: 'Save prices' }).click()
    await page.getByText('input $0.75, output $1.50').waitFor()
    expect((await admin('GET', '/models/acme-chat')).body).toMatchObject({
      input_price_per_million_usd: '0.75',
    })
    expect(await unlabelled(page)).toEqual([])
  })

  it('reliability: a chart and a table of the request sent', async () => {
    await visit('/reliability', 'Reliability', 'reliability')
    const table = page.getByRole('table', { name: 'Reliability by bucket' })
    await table.waitFor()
    expect(await table.getByRole('row', { name: /echo/ }).count()).toBeGreaterThan(0)
    await page.locator('.chart canvas').waitFor({ state: 'attached' })
    expect(await unlabelled(page)).toEqual([])

    // A failed read shows the API's problem and offers to try again.
    await page.route('**/analytics/v1/reliability?**', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          title: 'Ingest is catching up',
          status: 503,
          detail: 'try in a moment',
          code: 'NOT_READY',
        }),
      }),
    )
    await page.getByRole('button', { name: 'Refresh' }).click()
    const problem = page.getByRole('alert')
    await problem.getByText('Ingest is catching up (503)').waitFor()
    await problem.getByText('Code: NOT_READY').waitFor()
    await page.unroute('**/analytics/v1/reliability?**')
    await problem.getByRole('button', { name: 'Try again' }).click()
    await table.getByRole('row', { name: /echo/ }).first().waitFor()
  })

  it('exports: creates one, follows it to done and hands out its download link', async () => {
    await visit('/exports', 'Exports', 'exports-before')
    await page.getByRole('button', { name: 'Create export' }).click()
    await page.getByText(/^Done: /).waitFor({ timeout: 60_000 })
    await page.getByRole('button', { name: /Get the download link/ }).click()
    const link = page.getByRole('link', { name: 'Download CSV' })
    await link.waitFor()
    expect(await link.getAttribute('href')).toMatch(/^https?:\/\//)
    await page.screenshot({ path: join(SHOTS, 'pages-exports-done.png'), fullPage: true })
    expect(await unlabelled(page)).toEqual([])
  })

  it('audit: the filtered log, the state at a time and the chain verified', async () => {
    await visit('/audit', 'Audit', 'audit-before')
    await page.getByLabel('Event type (e.g. BudgetChanged)').fill('OrganizationCreated')
    await page.getByRole('button', { name: 'Show events' }).click()
    await page.getByRole('cell', { name: 'OrganizationCreated' }).waitFor()
    await page.getByRole('button', { name: 'Show state' }).click()
    const state = page.locator('section[aria-labelledby="audit-state"]')
    await state.getByRole('heading', { name: /^Members \(\d+\)$/ }).waitFor()
    const replayed = (await state.textContent()) ?? ''
    expect(replayed).toContain('Acme was active')
    expect(replayed).toContain('Bob <bob@example.com> (active): analyst')
    expect(replayed).toContain('Organization: monthly $20.00 (hard)')
    await page.getByRole('button', { name: 'Verify the chain' }).click()
    await page.getByText(/^The chain holds: /).waitFor()
    await page.screenshot({ path: join(SHOTS, 'pages-audit-after.png'), fullPage: true })
    expect(await unlabelled(page)).toEqual([])
  })

  it('shows an analyst and auditor only what its roles allow', async () => {
    // Bob is an analyst, and an auditor since the users test.
    const bob = await signIn('bob@example.com')
    const nav = bob.getByRole('navigation', { name: 'Main' })
    const links = (await nav.getByRole('link').allTextContents()).sort()
    expect(links).toEqual(['Audit', 'Exports', 'Organizations', 'Reliability', 'Usage'])
    await bob.goto(`${platform.base}/console/#/organizations`)
    await bob.getByText('You may read these settings; an organization owner changes them.').waitFor()
    expect(await bob.getByRole('button', { name: 'Save settings' }).count()).toBe(0)
    expect(await bob.getByRole('button', { name: 'Create organization' }).count()).toBe(0)
    expect(await bob.getByRole('button', { name: 'Close organization' }).count()).toBe(0)
    await bob.goto(`${platform.base}/console/#/audit`)
    await bob.getByRole('button', { name: 'Show events' }).waitFor()
    expect(await bob.getByRole('button', { name: 'Verify the chain' }).count()).toBe(0)
    await bob.screenshot({ path: join(SHOTS, 'pages-analyst-audit.png'), fullPage: true })
    await bob.context().close()
  })

  it('fits a phone: no page wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    for (const [route, heading] of [
      ['/budgets', 'Budgets'],
      ['/reliability', 'Reliability'],
      ['/users', 'Users and roles'],
    ] as const) {
      await visit(route, heading, `phone-${route.slice(1)}`)
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(wide, route).toBeLessThanOrEqual(0)
    }
  })

  it('met no script error and no CSP violation on any page', () => {
    expect(problems).toEqual([])
  })
})

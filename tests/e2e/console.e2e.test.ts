import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newKeyringText } from '../../infra/crypto/keyring.ts'
import { launchBrowser } from '../support/browser.ts'
import { call } from '../support/json-http.ts'
import { eventually, freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../support/separate-platform.ts'

// The web console as a person uses it, on `aiaas dev` as `make run` starts it, in headless
// Chromium: signs in through the platform's issuer (authorization code + PKCE), creates an API key
// (its secret shown once), calls the router with it, finds the call in the usage chart's table,
// revokes the key and sees the router refuse it; at phone width the navigation is behind a menu
// button; every form control has an accessible name; no CSP violation. Screenshots go to
// build/test-artifacts/console/ (gitignored with build/). Then as production runs it: `aiaas
// identity` serves the console, `aiaas analytics` is another origin, and the usage page reaches it
// through CORS for the console's origin only.

const ADMIN_TOKEN = 'console-e2e-admin-token-0123456789'
const PASSWORD = 'a long enough passphrase for ada'
const ARTIFACTS = fileURLToPath(new URL('../../build/test-artifacts/console/', import.meta.url))

let tmp = ''
let browser: Browser
const problems: string[] = []
const consoleDir = () => join(tmp, 'console')

beforeAll(async () => {
  // The build under test is the sources' own, in a directory of its own (AIAAS_CONSOLE_DIR): a
  // build running meanwhile (`make run` elsewhere) empties build/console while it writes.
  tmp = await mkdtemp(join(tmpdir(), 'aiaas-console-'))
  const configFile = fileURLToPath(new URL('../../gateways/console/vite.config.ts', import.meta.url))
  await build({ configFile, logLevel: 'warn', build: { outDir: consoleDir() } })
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  if (tmp) await rm(tmp, { recursive: true, force: true })
})

async function newPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  return page
}

/** Ada, owner of a new organization, invited and with a password (the invitation page: sign-in-browser.e2e). */
async function invitedOwner(base: string, adminToken: string, email: string): Promise<string> {
  const admin = (method: string, path: string, body?: unknown) =>
    call(base, adminToken, method, `/admin/v1${path}`, body)
  const org = (await admin('POST', '/organizations', { name: 'Acme' })).body.id ?? ''
  const user = (await admin('POST', '/users', { email, display_name: 'Ada', invite: true })).body.id
  expect((await admin('PUT', `/organizations/${org}/members/${user}`, { roles: ['org_owner'] })).status).toBe(
    200,
  )
  const invitation = await admin('POST', `/users/${user}/invitation`)
  const set = await fetch(`${base}/admin/v1/invitations/${String(invitation.body.token)}/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD }),
  })
  expect(set.status, await set.text()).toBeLessThan(300)
  return org
}

/** The console's Sign in button, the issuer's pages, consent, back to the console at `hash`. */
async function signIn(page: Page, base: string, email: string, hash: string, shot?: () => Promise<unknown>) {
  await page.goto(`${base}/console/${hash}`)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('#email').fill(email)
  await page.locator('#password').fill(PASSWORD)
  await shot?.()
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('#scopes').waitFor()
  await page.getByRole('button', { name: 'Allow' }).click()
  await page.getByRole('banner').waitFor()
  expect(new URL(page.url()).pathname).toBe('/console/')
  expect(page.url()).not.toContain('code=')
}

/** Every control of the page has a name in Chromium's own accessibility tree. */
async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page)
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[]
  }
  await cdp.detach()
  const controls = new Set([
    'button',
    'textbox',
    'combobox',
    'spinbutton',
    'checkbox',
    'radio',
    'link',
    'searchbox',
  ])
  return nodes
    .filter((node) => !node.ignored && controls.has(node.role?.value ?? ''))
    .filter((node) => (node.name?.value ?? '').trim() === '')
    .map((node) => node.role?.value ?? '?')
}

const cspViolations = () => problems.filter((text) => /content security policy|refused to/i.test(text))

describe('the web console on aiaas dev', () => {
  let proc: Proc
  let base = ''
  let page: Page
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })

  beforeAll(async () => {
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    proc = startAiaas('dev', {
      PORT: String(port),
      AIAAS_DATA_DIR: join(tmp, 'data'),
      AIAAS_ADMIN_TOKEN: ADMIN_TOKEN,
      AIAAS_CONSOLE_DIR: consoleDir(),
    })
    await waitForHttp(`${base}/v1/status/healthz`, proc, 60_000)
    page = await newPage()
  })

  afterAll(async () => {
    await proc?.stop()
  })

  it('signs in, creates a key shown once, sees its usage, revokes it, and works at phone width', async () => {
    const acme = await invitedOwner(base, ADMIN_TOKEN, 'ada@example.com')
    await signIn(page, base, 'ada@example.com', '#/keys', () => shot('1-issuer-login'))
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor()
    await expect.poll(() => page.getByRole('combobox', { name: 'Organization' }).inputValue()).toBe(acme)
    for (const landmark of ['banner', 'navigation', 'main'] as const)
      expect(await page.getByRole(landmark).count(), landmark).toBe(1)
    // Keyboard: the first Tab reaches the skip link, Enter moves into <main>, the page stays.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main')
    expect(await page.getByRole('heading', { name: 'API keys', level: 1 }).isVisible()).toBe(true)

    // A key: its secret shown once.
    await page.getByLabel('Name').fill('e2e key')
    await page.getByLabel('Requests per minute (optional)').fill('600')
    await page.getByRole('button', { name: 'Create key' }).click()
    const secret = (await page.getByTestId('new-secret').textContent())?.trim() ?? ''
    expect(secret).toMatch(/^sk-/)
    await page.locator('tr', { hasText: 'e2e key' }).waitFor()
    await shot('2-key-created')
    expect(await unnamedControls(page)).toEqual([])
    await page.getByRole('button', { name: 'I have stored the key' }).click()
    await expect.poll(() => page.getByTestId('new-secret').count()).toBe(0)
    expect(await page.content()).not.toContain(secret)
    const keyId = (await page.locator('tr', { hasText: 'e2e key' }).getAttribute('data-key-id')) ?? ''

    // The key at the router, then in the usage table (polled through the page's Refresh).
    const completion = await chat(secret)
    expect(completion.status).toBe(200)
    await page.goto(`${base}/console/#/usage?bucket=minute&group=api_key`)
    const row = page.locator('#usage-table tbody tr', { hasText: keyId })
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click()
        await page.locator('#usage-table, main [role=status]:not(.loading)').first().waitFor()
        return row.count()
      },
      (count) => count > 0,
      60_000,
    )
    expect(await row.locator('td').nth(1).textContent()).toBe('1')
    expect(await row.locator('th').textContent()).toContain('e2e key')
    // The charts are drawn in an effect after the table is painted: wait for them, not the table.
    await expect
      .poll(() => page.locator('.chart canvas').count(), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(3)
    await shot('3-usage')
    expect(await unnamedControls(page)).toEqual([])

    // Revoked in the console: the router refuses the key.
    await page.goto(`${base}/console/#/keys`)
    await page.getByRole('button', { name: 'Revoke e2e key' }).click()
    await shot('4-revoke-confirm')
    await page.getByRole('button', { name: 'Yes, revoke e2e key' }).click()
    await page.locator('tr', { hasText: 'e2e key' }).getByText('revoked').waitFor()
    const refused = await eventually(
      () => chat(secret),
      (response) => response.status === 401,
    )
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('api_key_revoked')

    // A phone: the navigation is behind the Menu button, and works.
    await page.setViewportSize({ width: 375, height: 740 })
    const menu = page.getByRole('button', { name: 'Menu' })
    await menu.waitFor()
    await expect.poll(() => page.getByRole('link', { name: 'Usage' }).isVisible()).toBe(false)
    await menu.click()
    await expect.poll(() => menu.getAttribute('aria-expanded')).toBe('true')
    await shot('5-phone-menu')
    await page.getByRole('link', { name: 'Usage' }).click()
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor()
    await expect.poll(() => page.getByRole('link', { name: 'Usage' }).isVisible()).toBe(false)
    await shot('6-phone-usage')
    expect(await unnamedControls(page)).toEqual([])

    // Signed out: the tokens are gone with the page's state.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('You are signed out.').waitFor()
    expect(cspViolations()).toEqual([])
  })

  const chat = (key: string) =>
    fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'echo',
        messages: [{ role: 'user', content: 'Hello from the console test' }],
      }),
    })
})

describe('the web console as production runs it', () => {
  let platform: SeparatePlatform
  let identity = ''
  let analytics = ''

  beforeAll(async () => {
    const [identityPort, analyticsPort] = [await freePort(), await freePort()]
    identity = `http://127.0.0.1:${identityPort}`
    analytics = `http://127.0.0.1:${analyticsPort}`
    platform = await startSeparatePlatform({
      name: 'console',
      commands: ['identity', 'projector', 'analytics'],
      ports: { identity: identityPort, analytics: analyticsPort },
      env: {
        AIAAS_KEK: newKeyringText('e2e'),
        AIAAS_CONSOLE_DIR: consoleDir(),
        AIAAS_CONSOLE_ANALYTICS_URL: analytics,
        AIAAS_CONSOLE_ORIGIN: identity,
      },
    })
  })

  afterAll(async () => {
    await platform?.stop()
  })

  it('is served by aiaas identity and reads usage from aiaas analytics across origins', async () => {
    expect(await (await fetch(`${identity}/console/config.json`)).json()).toMatchObject({
      issuer: `${identity}/oauth2`,
      admin_url: identity,
      analytics_url: analytics,
    })
    await invitedOwner(identity, platform.adminToken, 'grace@example.com')
    const page = await newPage()
    const usage = page.waitForResponse((response) =>
      response.url().startsWith(`${analytics}/analytics/v1/usage`),
    )
    await signIn(page, identity, 'grace@example.com', '#/usage?bucket=day&group=backend')
    // The browser let the page read analytics' answer: CORS for the console's origin.
    expect((await usage).status()).toBe(200)
    await page.getByText('No usage in this period yet.').waitFor()
    await page.screenshot({ path: join(ARTIFACTS, '7-separate-usage.png'), fullPage: true })
    // Another origin gets no CORS answer from analytics.
    const foreign = await fetch(`${analytics}/analytics/v1/usage`, {
      headers: { origin: 'https://evil.example' },
    })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    expect(cspViolations()).toEqual([])
  })
})

import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminCli } from '../support/admin-cli.ts'
import { launchBrowser, screenshot } from '../support/browser.ts'
import { startEmbedded } from '../support/embedded.ts'
import { call } from '../support/json-http.ts'
import { CLI, eventually } from '../support/processes.ts'

// A person signs in to the CLI with a browser (`aiaas login --browser`: authorization code + PKCE,
// the CLI's loopback redirect), in headless Chromium on the embedded platform's own sign-in
// pages; the CLI then calls the admin API with the person's token and renews it with the refresh
// token once it has expired.
describe('aiaas login --browser', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let browser: Browser
  let dir = ''
  let login: ChildProcess | undefined

  beforeAll(async () => {
    platform = await startEmbedded()
    browser = await launchBrowser()
    dir = await mkdtemp(join(tmpdir(), 'aiaas-cli-browser-'))
  })

  afterAll(async () => {
    // A failed run may leave the CLI waiting for its redirect.
    if (login && login.exitCode === null) login.kill()
    await browser?.close()
    await platform?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('signs a person in, calls the API as them, and renews the token with the refresh token', async () => {
    const asAdmin = (method: string, path: string, body?: unknown) =>
      call(platform.base, platform.endpoints.adminToken, method, `/admin/v1${path}`, body)
    const acme = (await asAdmin('POST', '/organizations', { name: 'Acme' })).body.id ?? ''
    const ada =
      (await asAdmin('POST', '/users', { email: 'ada@example.com', display_name: 'Ada' })).body.id ?? ''
    const password = 'a long enough passphrase for ada'
    expect((await asAdmin('PUT', `/users/${ada}/password`, { password })).status).toBeLessThan(300)
    expect(
      (await asAdmin('PUT', `/organizations/${acme}/members/${ada}`, { roles: ['org_admin'] })).status,
    ).toBe(200)

    const config = join(dir, 'config.json')
    const env = { PATH: process.env.PATH ?? '', AIAAS_ENDPOINT: platform.base, AIAAS_CLI_CONFIG: config }
    const child = spawn(process.execPath, [CLI, 'login', '--browser', '--timeout-seconds', '120'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    login = child
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = once(child, 'exit')
    const url = await eventually(
      async () => /(http:\/\/\S+\/oauth2\/auth\?\S+)/.exec(stderr)?.[1],
      (found) => found !== undefined,
      30_000,
    )
    expect(url).toContain('redirect_uri=http%3A%2F%2F127.0.0.1%3A')

    const page = await (await browser.newContext()).newPage()
    await page.goto(url ?? '')
    await page.locator('#email').fill('ada@example.com')
    await page.locator('#password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.locator('#scopes').waitFor()
    await page.getByRole('button', { name: 'Allow' }).click()
    await page.getByText('Signed in: you may close this tab').waitFor()
    await screenshot(page, 'cli-browser-login')
    const [code] = await exited
    expect(code, stderr).toBe(0)

    const saved = JSON.parse(await readFile(config, 'utf8'))
    expect(saved).toMatchObject({ endpoint: platform.base, client_id: 'aiaas-console' })
    expect(saved.token.refresh_token).toEqual(expect.any(String))
    const asAda = (args: string[]) =>
      adminCli(args, { AIAAS_CLI_CONFIG: config, AIAAS_ENDPOINT: platform.base })
    const read = await asAda(['orgs', 'get', acme])
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout).toMatch(/^name\s+Acme$/m)
    // A person with no platform role: the organization list is refused.
    expect((await asAda(['orgs', 'list'])).code).toBe(4)

    // Expired: renewed with the refresh token, which rotates.
    await writeFile(
      config,
      JSON.stringify({ ...saved, token: { ...saved.token, expires_at: '2000-01-01T00:00:00Z' } }),
    )
    const renewed = await asAda(['orgs', 'get', acme, '--json'])
    expect(renewed.code, renewed.stderr).toBe(0)
    const again = JSON.parse(await readFile(config, 'utf8'))
    expect(Date.parse(again.token.expires_at)).toBeGreaterThan(Date.now())
    expect(again.token.refresh_token).not.toBe(saved.token.refresh_token)
  })
})

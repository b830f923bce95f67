import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminCli, jsonOf } from '../support/admin-cli.ts'
import { startEmbedded, TEST_ADMIN_TOKEN } from '../support/embedded.ts'
import { eventually, freePort } from '../support/processes.ts'

// The admin CLI as a process against the embedded platform (`make run`'s): the admin token
// creates organizations and a service account; the service account signs in with `aiaas login`
// (client_credentials), and every later command takes its token from the saved config file.
describe('aiaas admin commands over the REST API', () => {
  let platform: Awaited<ReturnType<typeof startEmbedded>>
  let dir = ''
  let asAdmin: (args: readonly string[]) => ReturnType<typeof adminCli>
  let asMachine: (args: readonly string[]) => ReturnType<typeof adminCli>
  let acme = ''
  let globex = ''

  beforeAll(async () => {
    platform = await startEmbedded()
    dir = await mkdtemp(join(tmpdir(), 'aiaas-cli-'))
    const common = { AIAAS_ENDPOINT: platform.base, AIAAS_CLI_CONFIG: join(dir, 'config.json') }
    asAdmin = (args) =>
      adminCli(args, { ...common, AIAAS_TOKEN: TEST_ADMIN_TOKEN, AIAAS_CLI_CONFIG: join(dir, 'none.json') })
    asMachine = (args) => adminCli(args, common)
    acme = String(jsonOf(await asAdmin(['orgs', 'create', '--name', 'Acme', '--json'])).id)
    globex = String(jsonOf(await asAdmin(['orgs', 'create', '--name', 'Globex', '--json'])).id)
  })

  afterAll(async () => {
    await platform?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('exits 2 on an unknown flag or a missing argument, before any request', async () => {
    const bad = await asAdmin(['keys', 'list', '--org', acme, '--bogus'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("Unknown option '--bogus'")
    expect(bad.stderr).toContain('usage: aiaas keys list')
    expect((await asAdmin(['keys', 'get'])).code).toBe(2)
    expect((await asAdmin(['keys', 'create', '--org', acme])).stderr).toContain('--name is required')
  })

  it('sends --idempotency-key with a POST: the same key again answers the first result', async () => {
    const args = ['orgs', 'create', '--name', 'Initech', '--idempotency-key', 'cli-e2e-initech', '--json']
    const first = await asAdmin(args)
    const again = await asAdmin(args)
    expect(jsonOf(again).id).toBe(jsonOf(first).id)
    expect(first.stderr).not.toContain('replayed')
    expect(again.stderr).toContain('replayed')
  })

  it('exits 7 when the endpoint does not answer', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    const run = await adminCli(['orgs', 'list'], {
      AIAAS_ENDPOINT: closed,
      AIAAS_TOKEN: 't',
      AIAAS_CLI_CONFIG: join(dir, 'n.json'),
    })
    expect(run.code).toBe(7)
    expect(run.stderr).toContain(`cannot reach ${closed}`)
  })

  it('exits 3 without a token', async () => {
    const run = await adminCli(['orgs', 'list'], {
      AIAAS_ENDPOINT: platform.base,
      AIAAS_CLI_CONFIG: join(dir, 'empty.json'),
    })
    expect(run.code).toBe(3)
    expect(run.stderr).toContain('no token')
  })

  it('signs a service account in, then manages keys and budgets with the saved token', async () => {
    const account = jsonOf(
      await asAdmin([
        'service-accounts',
        'create',
        '--org',
        acme,
        '--name',
        'ci',
        '--roles',
        'org_admin,analyst',
        '--json',
      ]),
    )
    const login = await adminCli(['login', '--client-id', String(account.client_id)], {
      AIAAS_ENDPOINT: platform.base,
      AIAAS_CLI_CONFIG: join(dir, 'config.json'),
      AIAAS_CLIENT_SECRET: String(account.client_secret),
    })
    expect(login.code, login.stderr).toBe(0)
    const saved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    expect(saved).toMatchObject({ endpoint: platform.base, client_id: account.client_id })
    expect(saved.token.access_token).toMatch(/^ey/)
    expect(JSON.stringify(saved)).not.toContain(String(account.client_secret))
    expect((await stat(join(dir, 'config.json'))).mode & 0o777).toBe(0o600)

    const created = await asMachine(['keys', 'create', '--org', acme, '--name', 'deploy'])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toMatch(/key\s+sk-aiaas-/)
    expect(created.stderr).toContain('shown once')
    const keyId = /^id\s+(\S+)$/m.exec(created.stdout)?.[1] ?? ''
    const listed = await asMachine(['keys', 'list', '--org', acme])
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+STATUS/)
    expect(listed.stdout).toMatch(new RegExp(`^${keyId}\\s+deploy\\s+sk-aiaas-\\S+\\s+active`, 'm'))
    expect(jsonOf(await asMachine(['keys', 'get', keyId, '--json']))).toMatchObject({
      id: keyId,
      name: 'deploy',
    })
    const rotated = jsonOf(await asMachine(['keys', 'rotate', keyId, '--grace-seconds', '60', '--json']))
    expect(rotated.key).toMatch(/^sk-aiaas-/)
    expect(jsonOf(await asMachine(['keys', 'revoke', keyId, '--json'])).status).toBe('revoked')

    const budget = jsonOf(
      await asMachine([
        'budgets',
        'create',
        '--org',
        acme,
        '--period',
        'monthly',
        '--limit',
        '10',
        '--enforcement',
        'hard',
        '--json',
      ]),
    )
    expect(budget).toMatchObject({ limit_usd: '10.00', period: 'monthly', enforcement: 'hard' })
    const got = await asMachine(['budgets', 'get', String(budget.id)])
    expect(got.stderr).toContain('etag: "0"')
    // A stale ETag is 412: exit 6, nothing written.
    const stale = await asMachine([
      'budgets',
      'update',
      String(budget.id),
      '--limit',
      '20',
      '--if-match',
      '7',
    ])
    expect(stale.code).toBe(6)
    expect(stale.stderr).toContain('412 PRECONDITION_FAILED')
    const spend = await asMachine(['spend', '--org', acme])
    expect(spend.code, spend.stderr).toBe(0)
    expect(spend.stdout).toMatch(
      new RegExp(`^${budget.id}\\s+-\\s+monthly\\s+10\\.00\\s+0\\.00\\s+0\\.00`, 'm'),
    )
    const changed = jsonOf(
      await asMachine(['budgets', 'update', String(budget.id), '--limit', '20', '--if-match', '0', '--json']),
    )
    expect(changed.limit_usd).toBe('20.00')
    const list = jsonOf(await asMachine(['budgets', 'list', '--org', acme, '--all', '--json']))
    expect(list.data).toEqual([expect.objectContaining({ id: budget.id, limit_usd: '20.00' })])
    expect((await asMachine(['budgets', 'delete', String(budget.id)])).code).toBe(0)
    expect((await asMachine(['budgets', 'get', String(budget.id)])).code).toBe(5)

    // An expired saved token is renewed by client_credentials when the secret is at hand.
    const expired = { ...saved, token: { ...saved.token, expires_at: '2000-01-01T00:00:00.000Z' } }
    await writeFile(join(dir, 'config.json'), JSON.stringify(expired))
    expect((await asMachine(['keys', 'list', '--org', acme])).code).toBe(3)
    const renewed = await adminCli(['keys', 'list', '--org', acme], {
      AIAAS_ENDPOINT: platform.base,
      AIAAS_CLI_CONFIG: join(dir, 'config.json'),
      AIAAS_CLIENT_SECRET: String(account.client_secret),
    })
    expect(renewed.code, renewed.stderr).toBe(0)
    const resaved = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'))
    expect(Date.parse(resaved.token.expires_at)).toBeGreaterThan(Date.now())

    // Another organization's resources are hidden (404, exit 5); beyond its roles, 403 (exit 4).
    const other = await asMachine(['keys', 'create', '--org', globex, '--name', 'x'])
    expect(other.code).toBe(5)
    expect(other.stderr).toContain('404 ORG_NOT_FOUND')
    const forbidden = await asMachine(['orgs', 'list'])
    expect(forbidden.code).toBe(4)
    expect(forbidden.stderr).toContain('403 FORBIDDEN')
    expect((await asMachine(['audit', 'verify', '--remote'])).code).toBe(4)

    // A rotated secret: the old one is refused at the token endpoint (401: exit 3), the new works.
    const renewal = jsonOf(await asAdmin(['service-accounts', 'rotate-secret', String(account.id), '--json']))
    const loginWith = (secret: string) =>
      adminCli(['login', '--client-id', String(account.client_id)], {
        AIAAS_ENDPOINT: platform.base,
        AIAAS_CLI_CONFIG: join(dir, 'config.json'),
        AIAAS_CLIENT_SECRET: secret,
      })
    const old = await loginWith(String(account.client_secret))
    expect(old.code).toBe(3)
    expect(old.stderr).toContain('401 invalid_client')
    expect((await loginWith(String(renewal.client_secret))).code).toBe(0)
  })

  it('reads usage, exports it to a finished file, and exports and verifies the audit log', async () => {
    const key = jsonOf(await asAdmin(['keys', 'create', '--org', acme, '--name', 'traffic', '--json']))
    const completion = await fetch(`${platform.base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${String(key.key)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'counted' }] }),
    })
    expect(completion.status).toBe(200)
    const usage = await eventually(
      async () => jsonOf(await asAdmin(['usage', '--org', acme, '--group-by', 'model', '--json'])),
      (body) => Array.isArray(body.data) && body.data.length > 0,
      60_000,
    )
    expect(usage.data).toEqual([expect.objectContaining({ model: 'echo', requests: 1 })])
    const table = await asAdmin(['usage', '--org', acme, '--group-by', 'model'])
    expect(table.stdout).toMatch(/^BUCKET\s+MODEL\s+REQUESTS/)
    expect(table.stdout).toMatch(/\secho\s+1\s+0\s/)

    const reliability = jsonOf(await asAdmin(['reliability', '--org', acme, '--group-by', 'model', '--json']))
    expect(reliability.data).toEqual([expect.objectContaining({ model: 'echo', requests: 1, errors: 0 })])
    const figures = await asAdmin(['reliability', '--org', acme, '--group-by', 'model'])
    expect(figures.stdout).toMatch(/^BUCKET\s+MODEL\s+REQUESTS\s+ERROR_RATE\s+LATENCY_P50/)

    const file = join(dir, 'usage.csv')
    const exported = await asAdmin(['export', '--org', acme, '--group-by', 'model', '--output', file])
    expect(exported.code, exported.stderr).toBe(0)
    // Not a terminal: one plain line per status, ending with done.
    expect(exported.stderr).toMatch(/export \S+: done \(1 rows, \d+ bytes\)/)
    const csv = (await readFile(file, 'utf8')).trim().split('\n')
    expect(csv[0]).toContain('bucket_start')
    expect(csv).toHaveLength(2)
    expect(csv[1]).toContain('echo')

    const log = join(dir, 'audit.ndjson')
    expect((await asAdmin(['audit', 'export', '--org', acme, '--output', log])).code).toBe(0)
    const types = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { type: string }).type)
    expect(types).toContain('OrganizationCreated')
    expect(types).toContain('ApiKeyIssued')
    const verified = await asAdmin(['audit', 'verify', '--remote'])
    expect(verified.code, verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(/^chain intact: \d+ events checked/)
  })

  it('manages users and models as a platform admin', async () => {
    const user = jsonOf(
      await asAdmin(['users', 'create', '--email', 'ada@example.com', '--display-name', 'Ada', '--json']),
    )
    expect(
      jsonOf(
        await asAdmin(['users', 'set-roles', String(user.id), '--org', acme, '--roles', 'analyst', '--json']),
      ),
    ).toMatchObject({ roles: ['analyst'] })
    const members = jsonOf(await asAdmin(['users', 'list', '--org', acme, '--json']))
    expect(members.data).toEqual([expect.objectContaining({ email: 'ada@example.com' })])
    expect(
      jsonOf(await asAdmin(['users', 'update', String(user.id), '--display-name', 'Ada L.', '--json'])),
    ).toMatchObject({ display_name: 'Ada L.' })

    const body = join(dir, 'model.json')
    await writeFile(
      body,
      JSON.stringify({
        input_price_per_million_usd: '1',
        output_price_per_million_usd: '2',
        max_output_tokens: 1000,
        backends: [{ url: 'https://api.example.com/v1', provider: 'openai-compatible' }],
      }),
    )
    expect((await asAdmin(['models', 'create', 'cli-model', '--file', body])).code).toBe(0)
    const updated = jsonOf(await asAdmin(['models', 'update', 'cli-model', '--output-price', '3', '--json']))
    expect(updated.output_price_per_million_usd).toBe('3')
    const listed = await asAdmin(['models', 'list', '--all'])
    expect(listed.stdout).toMatch(/^cli-model\s+-\s+1\s+3\s+priority\s+1$/m)
    expect((await asAdmin(['models', 'delete', 'cli-model'])).code).toBe(0)
    expect((await asAdmin(['models', 'get', 'cli-model'])).code).toBe(5)
  })
})

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newKeyringText } from '../../infra/crypto/keyring.ts'
import { adminCli, jsonOf } from '../support/admin-cli.ts'
import { eventually } from '../support/processes.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../support/separate-platform.ts'

// The admin CLI against the platform as production runs it: `aiaas identity` (admin API and
// issuer), `aiaas analytics` on a port of its own and `aiaas projector`, on real PostgreSQL and
// the S3 server. `aiaas login --analytics-endpoint` saves both endpoints; later commands reach the
// analytics process with the issuer's token, and an export is downloaded from S3's presigned URL.
describe('aiaas admin commands across separate processes', () => {
  let platform: SeparatePlatform
  let dir = ''

  beforeAll(async () => {
    platform = await startSeparatePlatform({
      name: 'cli',
      commands: ['identity', 'analytics', 'projector'],
      env: { AIAAS_KEK: newKeyringText('e2e') },
    })
    dir = await mkdtemp(join(tmpdir(), 'aiaas-cli-separate-'))
  })

  afterAll(async () => {
    await platform?.stop()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('signs in with both endpoints saved, reads usage and downloads an export from the analytics process', async () => {
    const identity = platform.url('identity')
    const admin = {
      AIAAS_ENDPOINT: identity,
      AIAAS_TOKEN: platform.adminToken,
      AIAAS_CLI_CONFIG: join(dir, 'x.json'),
    }
    const org = String(jsonOf(await adminCli(['orgs', 'create', '--name', 'Acme', '--json'], admin)).id)
    const account = jsonOf(
      await adminCli(
        ['service-accounts', 'create', '--org', org, '--name', 'ci', '--roles', 'analyst', '--json'],
        admin,
      ),
    )
    const config = join(dir, 'config.json')
    const loginEnv = { AIAAS_CLI_CONFIG: config, AIAAS_CLIENT_SECRET: String(account.client_secret) }
    const loginArgs = ['login', '--endpoint', identity, '--analytics-endpoint', platform.url('analytics')]
    // The issuer finds clients in the read model the projector process writes: until it holds the
    // account, the token endpoint refuses it (401 invalid_client, exit 3).
    const login = await eventually(
      () => adminCli([...loginArgs, '--client-id', String(account.client_id)], loginEnv),
      (run) => run.code !== 3,
    )
    expect(login.code, login.stderr).toBe(0)
    expect(JSON.parse(await readFile(config, 'utf8'))).toMatchObject({
      endpoint: identity,
      analytics_endpoint: platform.url('analytics'),
    })

    // No endpoint, no token in the environment: both from the file.
    const asMachine = (args: string[]) => adminCli(args, { AIAAS_CLI_CONFIG: config })
    const usage = jsonOf(await asMachine(['usage', '--org', org, '--json']))
    expect(usage).toMatchObject({ object: 'usage', organization_id: org, data: [] })
    const file = join(dir, 'usage.csv')
    const exported = await asMachine(['export', '--org', org, '--output', file])
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.stderr).toMatch(/export \S+: done/)
    expect((await readFile(file, 'utf8')).split('\n')[0]).toContain('bucket_start')
    // An analyst may not issue keys: 403, exit 4.
    expect((await asMachine(['keys', 'create', '--org', org, '--name', 'x'])).code).toBe(4)
  })
})

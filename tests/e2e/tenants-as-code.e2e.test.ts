import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gitRepository } from '../support/git-repository.ts'
import { CLI, eventually, freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { deleteUsageQueues } from '../support/rabbitmq.ts'
import { type SeparatePlatform, startSeparatePlatform } from '../support/separate-platform.ts'

// Tenants as code end to end: a git repository in a temporary directory, `aiaas reconcile` (the
// CLI, a real process) on PostgreSQL, and a router on real services that accepts the keys git
// defined and enforces the budgets git sets.
describe('tenants as code: git → aiaas reconcile → the router', () => {
  const suffix = randomBytes(4).toString('hex')
  const usageQueue = `aiaas.usage.e2e.${suffix}`
  // Ids derive from names (ADR 0024); names of their own keep this run's budget counters in the
  // shared Redis apart from an earlier run's.
  const acme = `acme-${suffix}`
  const beta = `beta-${suffix}`
  let platform: SeparatePlatform
  let repo: Awaited<ReturnType<typeof gitRepository>>
  let workDir: string
  let reconciler: Proc | undefined

  const organizationFile = (name: string, monthly: string) => `kind: Organization
name: ${name}
display_name: ${name}
budgets:
  - period: monthly
    limit_usd: "${monthly}"
api_keys:
  - name: app
`

  /** `aiaas <args>` as a process on the platform's database: its exit code and output. */
  const aiaasCli = (args: string[], extraEnv: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = {
        ...process.env,
        AIAAS_DATABASE_URL: platform.databaseUrl,
        AIAAS_LOG_LEVEL: 'warn',
        ...extraEnv,
      }
      execFile(process.execPath, [CLI, ...args], { env }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr })
      })
    })
  const reconcileCli = (...args: string[]) =>
    aiaasCli(['reconcile', ...args], { AIAAS_RECONCILER_WORK_DIR: workDir })

  /** A GET of the admin API as the platform admin: its JSON, or its NDJSON lines. */
  const admin = async (path: string): Promise<unknown> => {
    const response = await fetch(`${platform.url('identity')}${path}`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    })
    const text = await response.text()
    expect(response.status, text.slice(0, 300)).toBe(200)
    return path.includes('/audit/export')
      ? text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : JSON.parse(text)
  }
  interface ExportedEvent {
    recorded_at: string
    hash: string | null
    data: Record<string, unknown>
    metadata: { source?: string; commit?: string }
  }
  const exported = async (query: string) =>
    (await admin(`/admin/v1/audit/export?${query}`)) as ExportedEvent[]

  const chat = async (key: string) => {
    const response = await fetch(`${platform.url('router')}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'hello' }] }),
    })
    const body = (await response.json()) as { error?: { code?: string; message?: string } }
    return { status: response.status, code: body.error?.code ?? null, message: body.error?.message }
  }

  beforeAll(async () => {
    platform = await startSeparatePlatform({
      name: 'tenants',
      commands: ['projector', 'mock-model', 'router', 'identity'],
      env: { AIAAS_USAGE_QUEUE: usageQueue },
    })
    repo = await gitRepository()
    workDir = await mkdtemp(join(tmpdir(), 'aiaas-e2e-reconcile-'))
  })

  afterAll(async () => {
    await reconciler?.stop()
    await platform?.stop()
    await deleteUsageQueues(usageQueue)
    await repo?.remove()
    if (workDir) await rm(workDir, { recursive: true, force: true })
  })

  it('applies two organizations with keys and budgets; the router accepts the keys, then enforces a lowered budget; the audit log shows it, verifies, replays', async () => {
    const first = await repo.commit({
      [`${acme}.yaml`]: organizationFile(acme, '100'),
      [`${beta}.yaml`]: organizationFile(beta, '100'),
    })
    const planned = await reconcileCli('--plan', '--repo', repo.dir)
    expect(planned.code, planned.stderr).toBe(3)
    expect(planned.stdout).toContain(`  + organization.${acme}.api_key.app (create)`)
    expect(planned.stdout).toContain(`Plan at ${first}: 6 to create, 0 to update, 0 to delete; 0 drifted.`)

    const secretsFile = join(workDir, 'secrets.jsonl')
    const applied = await reconcileCli('--apply', '--repo', repo.dir, '--secrets-out', secretsFile)
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stdout).toContain(`Applied 6 change(s) at ${first}.`)
    expect(applied.stdout).not.toContain('sk-aiaas-')
    expect((await stat(secretsFile)).mode & 0o777).toBe(0o600)
    const secrets = (await readFile(secretsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { address: string; key: string })
    const keyOf = (org: string) =>
      secrets.find((s) => s.address === `organization.${org}.api_key.app`)?.key ?? ''
    expect(keyOf(acme)).toMatch(/^sk-aiaas-/)
    expect(keyOf(beta)).toMatch(/^sk-aiaas-/)

    // The router reads the keys once the projector has them.
    for (const org of [acme, beta])
      await eventually(
        () => chat(keyOf(org)),
        (a) => a.status === 200,
        180_000,
      )

    const again = await reconcileCli('--plan', '--repo', repo.dir)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toBe(`No changes: the platform matches git at ${first}.\n`)

    const second = await repo.commit({ [`${acme}.yaml`]: organizationFile(acme, '0') }, 'acme: no more spend')
    const lowered = await reconcileCli('--apply', '--repo', repo.dir)
    expect(lowered.code, lowered.stderr).toBe(0)
    expect(lowered.stdout).toContain(
      `  ~ organization.${acme}.budget.monthly (update)\n      limit_usd: "100.00" -> "0.00"`,
    )
    expect(lowered.stdout).toContain(`Applied 1 change(s) at ${second}.`)
    await eventually(
      () => chat(keyOf(acme)),
      (a) => a.status === 429 && a.code === 'budget_exceeded',
      180_000,
    )
    // The other organization's budget did not change.
    expect(await chat(keyOf(beta))).toMatchObject({ status: 200 })

    // The auditor's half (issue 11's definition of done): the export shows the events with their
    // commits, the chain verifies, the state before the second commit has the old budget, and
    // replaying every read model from the log finds no difference.
    const changed = await eventually(
      () => exported('type=BudgetChanged'),
      (rows) => rows.some((r) => r.metadata.commit === second && r.hash !== null),
      180_000,
    )
    const change = changed.find((r) => r.metadata.commit === second)
    expect(change?.metadata.source).toBe('git')
    const acmeId = String(change?.data.organization_id)
    const created = await exported(`type=BudgetCreated&organization_id=${acmeId}`)
    expect(created.map((r) => [r.metadata.source, r.metadata.commit])).toEqual([['git', first]])

    const verify = await admin('/admin/v1/audit/verify')
    expect(verify).toMatchObject({ ok: true, first_break: null })

    const stateAt = async (at: Date) =>
      (await admin(`/admin/v1/audit/organizations/${acmeId}/state?at=${at.toISOString()}`)) as {
        budgets: { period: string; limit_usd: string }[]
      }
    const changedAt = new Date(change?.recorded_at ?? '')
    const before = await stateAt(new Date(changedAt.getTime() - 1))
    expect(before.budgets.map((b) => [b.period, b.limit_usd])).toEqual([['monthly', '100.00']])
    const after = await stateAt(new Date(changedAt.getTime() + 1))
    expect(after.budgets.map((b) => [b.period, b.limit_usd])).toEqual([['monthly', '0.00']])

    const replay = await aiaasCli(['audit', 'replay'])
    expect(replay.code, replay.stderr).toBe(0)
  }, 480_000)

  it('refuses an invalid file with its line and exit code 2, and applies nothing', async () => {
    const bad = await repo.commit({
      'broken.yaml': 'kind: Organization\nname: Not A Slug\ndisplay_name: x\n',
    })
    const result = await reconcileCli('--apply', '--repo', repo.dir)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('broken.yaml:2: name: must match pattern')
    expect(result.stderr).toContain(`invalid files at ${bad}: nothing applied`)
    expect((await reconcileCli('--plan')).code).toBe(2)
    await repo.git('rm', '--quiet', 'broken.yaml')
    await repo.commit({}, 'remove the broken file')
  })

  it('runs as the reconciler process: applies new commits and shows the last one on /metrics', async () => {
    const port = await freePort()
    reconciler = startAiaas('reconciler', {
      AIAAS_DATABASE_URL: platform.databaseUrl,
      AIAAS_METRICS_PORT: String(port),
      AIAAS_RECONCILER_REPO: repo.dir,
      AIAAS_RECONCILER_WORK_DIR: join(workDir, 'process'),
      AIAAS_RECONCILER_INTERVAL_MS: '200',
    })
    const metrics = `http://127.0.0.1:${port}/metrics`
    await waitForHttp(metrics, reconciler)
    const head = await repo.git('rev-parse', 'HEAD')
    const text = () => fetch(metrics).then((r) => r.text())
    await eventually(
      text,
      (m) => /aiaas_reconciler_last_commit_info\{[^}]*commit="(\w+)"[^}]*\} 1/.exec(m)?.[1] === head,
      180_000,
    )
    const gamma = `gamma-${suffix}`
    const next = await repo.commit({ [`${gamma}.yaml`]: organizationFile(gamma, '1') })
    const after = await eventually(text, (m) => m.includes(`commit="${next}"`), 180_000)
    expect(after).toMatch(/aiaas_reconciler_last_success\{process="reconciler"\} 1/)
    expect(after).toMatch(/aiaas_reconciler_changes_applied_total\{process="reconciler"\} 3/)
    expect(after).toMatch(/aiaas_reconciler_drift_resources\{process="reconciler"\} 0/)
    // What it applied is what git says: a plan finds nothing left.
    expect((await reconcileCli('--plan', '--repo', repo.dir)).code).toBe(0)
  }, 480_000)
})

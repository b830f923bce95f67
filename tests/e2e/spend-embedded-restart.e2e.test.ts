import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { createOrgAndKey, type Endpoints, json, usageOf } from '../support/walkthrough.ts'

// `aiaas dev` (`make run`) keeps its spend ledger in the process: a SIGKILL loses it. The spend is
// recorded in the data directory, and the ledger is seeded from it on the next start, so a spent
// hard budget stays spent.

/** At most this many requests to spend the budget: far more than it holds. */
const MAX_REQUESTS = 100

describe('embedded (aiaas dev): a spent budget survives a SIGKILL', () => {
  let tmp: string
  let proc: Proc
  let base: string
  let env: Record<string, string>

  const start = async () => {
    proc = startAiaas('dev', env)
    await waitForHttp(`${base}/v1/status/healthz`, proc, 60_000)
  }

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'aiaas-spend-embedded-'))
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    // The echo model at 1000 USD per million tokens: a handful of requests spend the budget.
    env = {
      PORT: String(port),
      AIAAS_DATA_DIR: join(tmp, 'data'),
      AIAAS_ADMIN_TOKEN: '',
      AIAAS_ECHO_INPUT_USD_PER_MTOK: '1000',
      AIAAS_ECHO_OUTPUT_USD_PER_MTOK: '1000',
    }
    await start()
  })

  afterAll(async () => {
    await proc?.stop()
    await rm(tmp, { recursive: true, force: true })
  })

  const chat = async (key: string) => {
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({ model: 'echo', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const body = (await response.json()) as { error?: { code?: string } }
    return { status: response.status, code: body.error?.code ?? null }
  }

  it('refuses the next request after a restart on the same data directory', async () => {
    const adminToken = (await readFile(join(tmp, 'data', 'admin-token'), 'utf8')).trim()
    const e: Endpoints = { admin: base, router: base, analytics: base, adminToken }
    const { organizationId, key } = await createOrgAndKey(e)
    const budget = await fetch(`${base}/admin/v1/budgets`, {
      method: 'POST',
      headers: json(adminToken),
      body: JSON.stringify({
        organization_id: organizationId,
        limit_usd: '0.1',
        period: 'total',
        enforcement: 'hard',
      }),
    })
    expect(budget.status).toBe(201)

    let admitted = 0
    let last = await chat(key)
    while (last.status === 200 && admitted < MAX_REQUESTS) {
      admitted += 1
      last = await chat(key)
    }
    expect(last).toEqual({ status: 429, code: 'budget_exceeded' })
    expect(admitted).toBeGreaterThan(0)
    // The spend is recorded (in the data directory's database) before the process dies: the
    // in-process usage bus keeps nothing through a SIGKILL (infra/memory/usage-bus.ts).
    await usageOf(e, organizationId, admitted)

    const exited = once(proc.child, 'exit')
    proc.child.kill('SIGKILL')
    await exited
    await start()

    expect(await chat(key)).toEqual({ status: 429, code: 'budget_exceeded' })
  })
})

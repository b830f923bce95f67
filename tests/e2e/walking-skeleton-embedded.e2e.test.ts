import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { createOrgAndKey, type Endpoints, json, usageOf } from '../support/walkthrough.ts'

// `aiaas dev` as `make run` starts it: one process, one port, PGlite, no services installed.
describe('walking skeleton, embedded (aiaas dev)', () => {
  let tmp: string
  let dataDir: string
  let proc: Proc
  let base: string
  let env: Record<string, string>

  const start = async () => {
    proc = startAiaas('dev', env)
    await waitForHttp(`${base}/v1/status/healthz`, proc)
  }

  beforeAll(async () => {
    // A data dir that does not exist yet, as on a fresh clone.
    tmp = await mkdtemp(join(tmpdir(), 'aiaas-e2e-'))
    dataDir = join(tmp, 'data')
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    env = { PORT: String(port), AIAAS_DATA_DIR: dataDir, AIAAS_ADMIN_TOKEN: '' }
    await start()
  })

  afterAll(async () => {
    await proc?.stop()
    await rm(tmp, { recursive: true, force: true })
  })

  it('generates an admin token once and keeps it in the data dir with mode 0600', async () => {
    const path = join(dataDir, 'admin-token')
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(proc.output()).toContain((await readFile(path, 'utf8')).trim())
  })

  it('runs the README walk-through: org, key, completion (plain and streamed), usage with cost', async () => {
    const adminToken = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()
    const e: Endpoints = { admin: base, router: base, analytics: base, adminToken }
    const { organizationId, key } = await createOrgAndKey(e)

    const completion = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'Hello, AIaaS!' }] }),
    })
    expect(completion.status).toBe(200)
    const body = (await completion.json()) as { choices: { message: { content: string } }[]; usage: unknown }
    expect(body.choices[0]?.message.content).toBe('Hello, AIaaS!')
    expect(body.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    })

    const streamed = await fetch(`${base}/v1/inference`, {
      method: 'POST',
      headers: json(key),
      body: JSON.stringify({
        model: 'echo',
        stream: true,
        messages: [{ role: 'user', content: 'one two three' }],
      }),
    })
    expect(streamed.headers.get('content-type')).toContain('text/event-stream')
    const text = await streamed.text()
    expect(text.trim().endsWith('data: [DONE]')).toBe(true)
    expect(text).not.toContain('"usage"')

    const usage = await usageOf(e, organizationId, 2)
    const total = usage.data.reduce((n, row) => n + Number(row.cost_usd), 0)
    expect(usage.data.reduce((n, row) => n + row.requests, 0)).toBe(2)
    expect(total).toBeGreaterThan(0)
    expect(usage.freshness.last_ingested_at).not.toBeNull()

    // The data dir survives a restart: the same token, the same key, the same usage.
    await proc.stop()
    await start()
    const again = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ data: [{ id: 'echo' }] })
    expect((await usageOf(e, organizationId, 2)).data.length).toBeGreaterThan(0)
  })

  it('answers bad input with a clear 4xx in the ecosystem format', async () => {
    const badJson = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: json('sk-aiaas-nope'),
      body: '{',
    })
    expect(badJson.status).toBe(401)
    expect(await badJson.json()).toMatchObject({
      error: { type: 'authentication_error', code: 'unauthenticated' },
    })

    const admin = await fetch(`${base}/admin/v1/organizations`, {
      method: 'POST',
      body: '{}',
      headers: json('x'),
    })
    expect(admin.status).toBe(401)
    expect(admin.headers.get('content-type')).toContain('application/problem+json')
  })
})

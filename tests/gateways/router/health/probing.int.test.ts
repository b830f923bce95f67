import { afterEach, describe, expect, it } from 'vitest'
import type { Backend } from '../../../../domain/models/model.ts'
import { routerModelsOf } from '../../../../gateways/router/catalogue-models.ts'
import { startProbing } from '../../../../gateways/router/health/probing.ts'
import { createSharedHealth } from '../../../../gateways/router/health/shared-health.ts'
import type { Model } from '../../../../gateways/router/models.ts'
import { createMemoryHealthBoard } from '../../../../infra/memory/health-board.ts'
import type { SecretBox } from '../../../../infra/ports/secret-box.ts'
import { type MockBackend, startMockBackend } from '../../../support/mock-backend.ts'
import { eventually } from '../../../support/processes.ts'

// The router's probing kept in step with its catalogue (docs/routing.md#health-and-failover):
// catalogue records become routed backends carrying their probe; only those are probed, each
// once however many aliases share it, and a catalogue change starts and stops probes.
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})
const noSecrets: SecretBox = {
  seal: () => Promise.reject(new Error('unused')),
  open: () => Promise.reject(new Error('unused')),
}

const backendAt = (mock: MockBackend, over: Partial<Backend> = {}): Backend => ({
  url: mock.url,
  provider: 'vllm',
  weight: 1,
  priority: 0,
  timeout_ms: 10_000,
  api_key: null,
  api_key_hint: null,
  headers: { 'x-team': mock.name },
  ...over,
})

const catalogueModels = (backends: Backend[]) =>
  routerModelsOf(
    {
      name: 'm',
      aliases: ['m-alias', 'm-other'],
      input_price_per_million_usd: '1',
      output_price_per_million_usd: '1',
      max_output_tokens: 1024,
      strategy: 'priority',
      backends,
      created_at: '2026-11-26T10:00:00.000Z',
      updated_at: '2026-11-26T10:00:00.000Z',
      version: 1,
    },
    noSecrets,
  )

async function setup() {
  const a = await startMockBackend('a')
  const b = await startMockBackend('b')
  const view = createSharedHealth({ board: createMemoryHealthBoard(), pollMs: 60_000 })
  let models: readonly Model[] = []
  const probing = startProbing({
    health: view,
    models: () => models,
    backendTimeoutMs: 30_000,
    refreshMs: 20,
  })
  closers.push(
    () => a.close(),
    () => b.close(),
    () => view.close(),
    () => probing.close(),
  )
  return {
    a,
    b,
    probing,
    setModels: (next: readonly Model[]) => {
      models = next
    },
  }
}

describe('probing the catalogue', () => {
  it('probes only the backends that name a probe, each once across its aliases, with its headers', async () => {
    const { a, b, probing, setModels } = await setup()
    const probe = { path: '/health', interval_ms: 20 } as const
    setModels(await catalogueModels([backendAt(a, { probe }), backendAt(b, { priority: 1 })]))
    await eventually(
      async () => a.probes.length,
      (count) => count >= 3,
      10_000,
    )
    expect(probing.probed()).toEqual([a.url])
    expect(a.probes[0]).toMatchObject({ path: '/health', headers: { 'x-team': 'a' } })
    expect(b.probes).toHaveLength(0)
  })

  it('a catalogue change stops the probe of a backend that no longer names one and starts a new one', async () => {
    const { a, b, probing, setModels } = await setup()
    const probe = { path: '/v1/models', interval_ms: 20 } as const
    setModels(await catalogueModels([backendAt(a, { probe }), backendAt(b, { priority: 1 })]))
    await eventually(
      async () => a.probes.length,
      (count) => count >= 1,
      10_000,
    )
    setModels(await catalogueModels([backendAt(a), backendAt(b, { priority: 1, probe })]))
    await eventually(
      async () => probing.probed(),
      (ids) => ids.length === 1 && ids[0] === b.url,
      10_000,
    )
    const aAfter = a.probes.length
    await eventually(
      async () => b.probes.length,
      (count) => count >= 3,
      10_000,
    )
    expect(b.probes[0]?.path).toBe('/v1/models')
    // At most a probe already in flight when the change was read.
    expect(a.probes.length).toBeLessThanOrEqual(aAfter + 1)
  })
})

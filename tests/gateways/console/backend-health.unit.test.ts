import { describe, expect, it } from 'vitest'
import {
  type BackendHealth,
  healthOf,
  healthPath,
  healthText,
} from '../../../gateways/console/src/pages/backend-health.ts'

const closed: BackendHealth = {
  backend_id: 'https://a.example/v1',
  host: 'a.example',
  state: 'closed',
  cooldown_remaining_ms: null,
  openings: 0,
}
const open: BackendHealth = {
  backend_id: 'https://b.example/v1',
  host: 'b.example',
  state: 'open',
  cooldown_remaining_ms: 4500,
  openings: 1,
}

describe("the models page's backend health", () => {
  it('finds a backend by its URL, the key of its circuit', () => {
    const health = { model: 'm', backends: [closed, open] }
    expect(healthOf(health, 'https://b.example/v1')).toBe(open)
    expect(healthOf(health, 'https://c.example/v1')).toBeUndefined()
    expect(healthOf(null, 'https://a.example/v1')).toBeUndefined()
  })

  it('says whether a backend is served, and for how long an open one is skipped', () => {
    expect(healthText(closed)).toBe('closed: serving')
    expect(healthText(open)).toBe('open: skipped for 4.5 s more')
    expect(healthText({ ...open, cooldown_remaining_ms: 125_000, openings: 3 })).toBe(
      'open: skipped for 2 min 5 s more (opening 3 in a row)',
    )
    expect(healthText(undefined)).toBe('—')
  })

  it('reads a model name with a slash as one path segment', () => {
    expect(healthPath('meta-llama/Llama-3-8B')).toBe('/admin/v1/models/meta-llama%2FLlama-3-8B/health')
  })
})

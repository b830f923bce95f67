import { describe, expect, it } from 'vitest'
import { withCatalogue } from '../../../gateways/processes/models.ts'
import type { Model } from '../../../gateways/router/models.ts'

const model = (name: string, backend_url: string): Model => ({
  name,
  backend_url,
  input_usd_per_mtok: 1,
  output_usd_per_mtok: 1,
  max_output_tokens: 10,
})

describe('the router’s models', () => {
  it('are the catalogue’s, then each configured model whose name the catalogue does not use', () => {
    let catalogue: Model[] = []
    const models = withCatalogue(() => catalogue, [model('echo', 'http://echo'), model('x', 'http://config')])
    expect(models().map((m) => m.name)).toEqual(['echo', 'x'])
    catalogue = [model('x', 'http://catalogue'), model('y', 'http://catalogue')]
    expect(models().map((m) => [m.name, m.backend_url])).toEqual([
      ['x', 'http://catalogue'],
      ['y', 'http://catalogue'],
      ['echo', 'http://echo'],
    ])
    // Deleted from the catalogue: the configured model answers again.
    catalogue = []
    expect(models().map((m) => [m.name, m.backend_url])).toEqual([
      ['echo', 'http://echo'],
      ['x', 'http://config'],
    ])
  })
})

import { describe, expect, it } from 'vitest'
import { checkModelAllowed, isModelAllowed } from '../../../gateways/router/model-access.ts'
import { keyRecord } from './key-record.ts'

// Which models a key may call: its own list and its organization's both apply; null allows all.
describe('model access', () => {
  it('allows every model when neither the key nor its organization lists models', () => {
    expect(isModelAllowed(keyRecord(), ['anything'])).toBe(true)
  })

  it('allows only what the key lists, under the name asked for or the one it resolved to', () => {
    const key = keyRecord({ allowed_models: ['gpt-large'] })
    expect(isModelAllowed(key, ['gpt-large'])).toBe(true)
    expect(isModelAllowed(key, ['large', 'gpt-large'])).toBe(true)
    expect(isModelAllowed(key, ['echo'])).toBe(false)
    expect(isModelAllowed(keyRecord({ allowed_models: [] }), ['echo'])).toBe(false)
  })

  it('applies the organization’s list too: a model must be in both', () => {
    const key = keyRecord({ allowed_models: ['echo', 'gpt'], organization_allowed_models: ['gpt'] })
    expect(isModelAllowed(key, ['gpt'])).toBe(true)
    expect(isModelAllowed(key, ['echo'])).toBe(false)
    expect(isModelAllowed(keyRecord({ organization_allowed_models: ['gpt'] }), ['echo'])).toBe(false)
  })

  it('refuses with MODEL_NOT_ALLOWED naming the model asked for', () => {
    const refuse = () => checkModelAllowed(keyRecord({ allowed_models: ['echo'] }), ['echo-2', 'echo-2'])
    expect(refuse).toThrow(
      expect.objectContaining({ code: 'MODEL_NOT_ALLOWED', details: { model: 'echo-2' } }),
    )
  })
})

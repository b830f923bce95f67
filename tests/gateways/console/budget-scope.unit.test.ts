import { describe, expect, it } from 'vitest'
import { budgetableKeys, type KeyName, scopeName } from '../../../gateways/console/src/pages/budget-scope.ts'

const keys: KeyName[] = [
  { id: 'k2', name: 'web', status: 'active' },
  { id: 'k1', name: 'ci-deploy', status: 'active' },
  { id: 'k3', name: 'old', status: 'revoked' },
]

describe('a budget scope', () => {
  it('names the organization, a key by its name, or by its id when the name is not known', () => {
    expect(scopeName(null, keys)).toBe('Whole organization')
    expect(scopeName('k1', keys)).toBe('API key ci-deploy')
    expect(scopeName('k9', keys)).toBe('API key k9')
    expect(scopeName('k1', null)).toBe('API key k1')
  })

  it('offers the active keys only, by name', () => {
    expect(budgetableKeys(keys).map((key) => key.name)).toEqual(['ci-deploy', 'web'])
  })
})

// What a budget limits, in words: the whole organization, or one API key named as people know it.
// Pure: tested in tests/gateways/console/budget-scope.unit.test.ts.

export interface KeyName {
  id: string
  name: string
  status: 'active' | 'revoked'
}

/** "Whole organization", "API key ci-deploy", or the key's id when its name is not known. */
export function scopeName(apiKeyId: string | null, keys: readonly KeyName[] | null): string {
  if (apiKeyId === null) return 'Whole organization'
  const key = keys?.find((candidate) => candidate.id === apiKeyId)
  return key ? `API key ${key.name}` : `API key ${apiKeyId}`
}

/** The keys a new budget may be for: active ones (a revoked key's budget is refused), by name. */
export const budgetableKeys = (keys: readonly KeyName[]) =>
  keys.filter((key) => key.status === 'active').sort((a, b) => a.name.localeCompare(b.name))

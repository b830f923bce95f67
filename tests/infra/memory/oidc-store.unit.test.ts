import { memoryStore } from '../../../infra/oidc/memory-store.ts'
import { oidcStoreContract } from '../contracts/oidc-store.contract.ts'

oidcStoreContract('memory', async () => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  return {
    store: memoryStore(() => now),
    advance: (ms) => {
      now += ms
    },
    dispose: async () => {},
  }
})

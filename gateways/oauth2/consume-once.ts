import { errors } from 'oidc-provider'
import { isAppError } from '../../domain/errors.ts'
import { entryIndexes, GRANT_MODELS, type OidcStore } from '../../infra/oidc/adapter.ts'

// oidc-provider refuses a code (or refresh token) it reads as consumed, revoking its grant; two
// redemptions at the same instant both read it unconsumed. The store's consume is a
// compare-and-set (infra/oidc/adapter.ts), and the loser is answered here as oidc-provider answers
// a replay: the grant's codes and tokens and the grant itself are destroyed (which also stops the
// winner's access tokens: the APIs check their grant), then `invalid_grant`. For models that are
// not a grant's (a pushed authorization request), a second consume stays harmless, as before.

export function consumingOnce(store: OidcStore): OidcStore {
  return (model) => {
    const adapter = store(model)
    return {
      ...adapter,
      async consume(id) {
        try {
          await adapter.consume(id)
        } catch (error) {
          if (!isAppError(error) || error.code !== 'OIDC_ALREADY_CONSUMED') throw error
          if (!GRANT_MODELS.has(model)) return
          const { grantId } = entryIndexes(model, (await adapter.find(id)) ?? {})
          if (grantId) {
            await adapter.revokeByGrantId(grantId)
            await store('Grant').destroy(grantId)
          }
          throw new errors.InvalidGrant(`${model} already consumed`)
        }
      },
    }
  }
}

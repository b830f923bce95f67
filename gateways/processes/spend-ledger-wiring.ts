import type { FastifyBaseLogger } from 'fastify'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import type { ReadinessCheck } from '../http/readiness.ts'

// The two places a process meets the spend ledger besides the router's admission: readyz names
// it, and identity marks each change it made so a router knowing an older position refreshes its
// caches before admitting (infra/ports/spend-ledger.ts, "Changes").

/** readyz's `spend_ledger` check: down when the ledger does not answer a ping. */
export const spendLedgerCheck = (ledger: SpendLedger): ReadinessCheck => ({
  name: 'spend_ledger',
  check: () => ledger.ping(),
})

/**
 * The admin API's wait for its read models, followed by marking the position on the ledger. A
 * mark that fails does not fail the command (it is done, and projected): the router's change feed
 * still brings the change, only not at once. Logged.
 */
export function markingChanges(
  awaitProjection: (position: bigint) => Promise<void>,
  ledger: Pick<SpendLedger, 'markChanged'>,
  log: Pick<FastifyBaseLogger, 'warn'>,
): (position: bigint) => Promise<void> {
  return async (position) => {
    await awaitProjection(position)
    try {
      await ledger.markChanged(String(position))
    } catch (error) {
      log.warn({ err: error, position: String(position) }, 'change not marked on the spend ledger')
    }
  }
}

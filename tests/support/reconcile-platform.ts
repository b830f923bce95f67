import { v7 } from 'uuid'
import { onTestFinished } from 'vitest'
import { loadState } from '../../commands/handle-command.ts'
import { type ReconcileDeps, reconcile, type Snapshot } from '../../commands/reconcile/reconcile.ts'
import { budgetStream } from '../../domain/budgets/budget.ts'
import { budgetDecider } from '../../domain/budgets/decider.ts'
import { newKeyringText, parseKeyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { sqlModelNames } from '../../projections/models/model-names.ts'
import { sqlEmailReservations } from '../../projections/users/email-reservations.ts'
import { makePostgres } from '../infra/postgres/fresh-schema.ts'

// A reconciliation's world on real PostgreSQL, for the tenants-as-code int tests: a migrated schema
// of its own, a repository whose files and commit the test sets, and secret files it fills in.

export const keyring = parseKeyring(newKeyringText('k1'))

/** Who changes things over the admin API in these tests. */
export const restContext = { actor: 'admin', correlation_id: v7(), causation_id: null, source: 'admin-api' }

/** Call inside a test: dropped when it finishes. */
export async function reconcilePlatform() {
  const { db, dispose } = await makePostgres('reconcile', 4)()
  onTestFinished(dispose)
  const store = createEventStore(db)
  let snapshot: Snapshot = { commit: 'none', files: [] }
  const secretFiles = new Map<string, string>()
  const deps: ReconcileDeps = {
    db,
    store,
    emails: sqlEmailReservations(db),
    modelNames: sqlModelNames(db),
    allowedAddresses: [],
    secrets: createSecretBox(db, keyring),
    now: () => new Date(),
    newId: v7,
    read: async () => snapshot,
    readSecretFile: async (path) => {
      const text = secretFiles.get(path)
      if (text === undefined) throw new Error(`no such file ${path}`)
      return text
    },
  }
  const commit = (sha: string, files: Record<string, string>) => {
    snapshot = { commit: sha, files: Object.entries(files).map(([path, text]) => ({ path, text })) }
  }
  const events = async () => {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM events')
    return Number(rows[0]?.n)
  }
  const budget = async (id: string) => (await loadState(store, budgetStream(id), budgetDecider)).state
  return { db, store, deps, commit, events, budget, secretFiles }
}

/** Applies, and fails the test unless everything was applied. */
export async function applied(deps: ReconcileDeps) {
  const outcome = await reconcile(deps, 'apply', 'test')
  if (outcome.result !== 'applied') throw new Error(`not applied: ${JSON.stringify(outcome)}`)
  return outcome
}

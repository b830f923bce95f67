import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { v7 as uuidv7 } from 'uuid'
import type { CreatedKey } from '../../commands/reconcile/apply.ts'
import type { ReconcileDeps } from '../../commands/reconcile/reconcile.ts'
import type { Config } from '../../infra/config/config.ts'
import { parseKeyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { createEventStore } from '../../infra/event-store/event-store.ts'
import { readRepository } from '../../infra/git/repository.ts'
import type { Database } from '../../infra/ports/database.ts'
import { sqlModelNames } from '../../projections/models/model-names.ts'
import { sqlEmailReservations } from '../../projections/users/email-reservations.ts'

// What `aiaas reconcile` and `aiaas reconciler` share: where the repository is and how the
// reconciliation reaches it and the event store.

export interface RepositoryTarget {
  repo: string
  ref: string
}

export const workDirOf = (config: Config) =>
  config.AIAAS_RECONCILER_WORK_DIR ?? join(config.AIAAS_DATA_DIR, 'reconciler')

export function reconcileDeps(config: Config, db: Database, target: RepositoryTarget): ReconcileDeps {
  return {
    db,
    store: createEventStore(db),
    emails: sqlEmailReservations(db),
    modelNames: sqlModelNames(db),
    allowedAddresses: config.AIAAS_BACKEND_ALLOWED_ADDRESSES,
    secrets: config.AIAAS_KEK ? createSecretBox(db, parseKeyring(config.AIAAS_KEK)) : undefined,
    // A mounted secret ends with a newline more often than not; no key does.
    readSecretFile: async (path) => (await readFile(path, 'utf8')).replace(/\r?\n$/, ''),
    now: () => new Date(),
    newId: () => uuidv7(),
    read: () => readRepository(target.repo, target.ref, workDirOf(config)),
  }
}

/** One JSON line per created key: what a secrets file holds. */
export const secretLines = (keys: readonly CreatedKey[]) =>
  keys.map((key) => `${JSON.stringify(key)}\n`).join('')

/** The repository as logs may show it: a URL's user and password left out. */
export function shownRepository(repo: string): string {
  if (!URL.canParse(repo)) return repo
  const url = new URL(repo)
  url.username = ''
  url.password = ''
  return url.toString()
}

import type { EventEmitter } from 'node:events'
import type { CommandDeps } from '../../commands/handle-command.ts'
import { AppError } from '../../domain/errors.ts'
import { type Keyring, parseKeyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { readHeadPosition } from '../../infra/event-store/checkpoints.ts'
import { waitForCheckpoint } from '../../infra/event-store/subscription.ts'
import { createMemoryHealthBoard } from '../../infra/memory/health-board.ts'
import { createMemoryNonceStore } from '../../infra/memory/nonce-store.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { NonceStore } from '../../infra/ports/nonce-store.ts'
import type { RecordedSpend } from '../../infra/ports/recorded-spend.ts'
import type { SecretBox } from '../../infra/ports/secret-box.ts'
import type { SpendLedger } from '../../infra/ports/spend-ledger.ts'
import type { UsagePublisher } from '../../infra/ports/usage.ts'
import { findApiKeyByHash } from '../../projections/api-keys/api-keys.ts'
import { READ_MODELS } from '../../projections/read-models.ts'
import type { ChangeFeed } from '../../projections/router/change-feed.ts'
import type { AdminDeps } from '../admin/routes.ts'
import type { AnalyticsDeps } from '../analytics/routes.ts'
import type { ReadinessCheck } from '../http/readiness.ts'
import type { BackendHealth } from '../router/health/backend-health.ts'
import { createSharedHealth } from '../router/health/shared-health.ts'
import { createKeyAuthenticator } from '../router/key-auth.ts'
import { createKeyCache, type KeyCache } from '../router/key-cache.ts'
import type { ModelCatalog } from '../router/models.ts'
import type { RouterDeps } from '../router/router-deps.ts'
import { createRoutingDeps } from '../router/routing/routing-deps.ts'
import { openedSecrets } from '../router/signature.ts'
import { createSpendSeeder } from '../router/spend-seeder.ts'
import type { Runtime } from './runtime.ts'

// Builds each API's dependencies from adapters, the same way in embedded mode and in the
// separate processes; only the adapters differ.
export const databaseCheck = (db: Database): ReadinessCheck => ({
  name: 'database',
  check: async () => {
    await db.query('SELECT 1')
  },
})

/** The router's key cache on the read models: without a change feed, it never re-reads a key. */
export const keyCacheOf = (db: Database) => createKeyCache((hash) => findApiKeyByHash(db, hash))

export function routerDeps(
  rt: Runtime,
  adapters: {
    db: Database
    /** Budgets and RPM/TPM limits, shared by every replica (Redis; in memory when embedded). */
    ledger: SpendLedger
    /** Recorded usage, which seeds the ledger's counters it does not know to be whole. */
    recorded: RecordedSpend
    usage: UsagePublisher
    models: ModelCatalog
    /** The replica's key cache, kept fresh by the change feed (openRouterReplica). */
    keys?: KeyCache
    /** The replica's change feed: its position goes with every admission; none in unit apps. */
    feed?: Pick<ChangeFeed, 'position' | 'wake'>
    /** Opens keys' signing secrets; default: on the database with AIAAS_KEK (or none). */
    secrets?: SecretBox
    /** Signatures already used; default in memory (one process only: a separate router passes Redis's). */
    nonces?: NonceStore
    /** Backends' circuits; default: this process's own, on an in-memory board. */
    health?: BackendHealth
  },
  readiness: readonly ReadinessCheck[],
): RouterDeps {
  return {
    authenticate: createKeyAuthenticator((adapters.keys ?? keyCacheOf(adapters.db)).lookup, {
      now: () => Date.now(),
    }),
    models: adapters.models,
    spend: spendDeps(rt, adapters),
    usage: adapters.usage,
    backendTimeoutMs: rt.config.AIAAS_BACKEND_TIMEOUT_MS,
    routing: createRoutingDeps({
      totalTimeoutMs: rt.config.AIAAS_ROUTE_TIMEOUT_MS,
      health: adapters.health ?? createSharedHealth({ board: createMemoryHealthBoard() }),
      countAttempt: (backend, result) => rt.metrics.backendAttempts.inc({ backend, result }),
    }),
    metrics: rt.metrics,
    now: rt.now,
    newId: rt.newId,
    tracing: rt.tracing ?? null,
    readiness,
    signing: {
      openSecret: openedSecrets(adapters.secrets ?? createSecretBox(adapters.db, configKeyring(rt))),
      nonces: adapters.nonces ?? createMemoryNonceStore(),
      now: () => rt.now().getTime(),
    },
  }
}

/** The router's admission on the spend ledger (gateways/router/admit.ts). */
function spendDeps(
  rt: Runtime,
  adapters: {
    db: Database
    ledger: SpendLedger
    recorded: RecordedSpend
    feed?: Pick<ChangeFeed, 'position' | 'wake'>
  },
): RouterDeps['spend'] {
  const { ledger, feed, db } = adapters
  // A change the ledger names past the end of the event log, once found: admissions claim to know
  // it, or every one would be answered stale for a change that does not exist here.
  let beyond: bigint | null = null
  return {
    ledger,
    seeder: createSpendSeeder({ ledger, recorded: adapters.recorded, now: rt.now }),
    knownPosition: () => {
      const position = feed?.position() ?? null
      if (position === null) return null
      return String(beyond !== null && beyond > position ? beyond : position)
    },
    beyondLog: async (changed) => {
      const position = BigInt(changed)
      // Without the database it cannot be told: the change may be real (answered 503, as before).
      const head = await readHeadPosition(db).catch(() => null)
      if (head === null || position <= head) return false
      if (beyond === null || position > beyond) beyond = position
      return true
    },
    refresh: async () => {
      await feed?.wake()
    },
    keyRpm: rt.config.AIAAS_DEFAULT_KEY_RPM,
    leaseMs: rt.config.AIAAS_BUDGET_LEASE_MS,
    onFailOpen: () => rt.metrics.ledgerFailOpen.inc(),
    onSettleOverHold: () => rt.metrics.settleOverHold.inc(),
  }
}

const configKeyring = (rt: Runtime) => (rt.config.AIAAS_KEK ? parseKeyring(rt.config.AIAAS_KEK) : undefined)

export function adminDeps(
  rt: Runtime,
  adapters: { db: Database; commands: Omit<CommandDeps, 'now' | 'newId'>; keyring?: Keyring | undefined },
  adminToken: string,
  awaitProjection: (position: bigint) => Promise<void>,
): AdminDeps {
  // Embedded mode passes the keyring it generated into the data dir; a separate process has
  // AIAAS_KEK or none (then only sealing or opening a secret fails).
  const { AIAAS_KEK } = rt.config
  const keyring = adapters.keyring ?? (AIAAS_KEK ? parseKeyring(AIAAS_KEK) : undefined)
  return {
    commands: { ...adapters.commands, now: rt.now, newId: rt.newId },
    readModels: adapters.db,
    adminToken,
    awaitProjection,
    readiness: [databaseCheck(adapters.db)],
    secrets: createSecretBox(adapters.db, keyring),
    backendAddresses: rt.config.AIAAS_BACKEND_ALLOWED_ADDRESSES,
  }
}

export function analyticsDeps(
  rt: Runtime,
  db: Database,
  adminToken: string,
  ledger: SpendLedger,
): AnalyticsDeps {
  return { db, ledger, adminToken, now: rt.now, readiness: [databaseCheck(db)] }
}

/** How long a command's response waits for the read models to include its events. */
export const PROJECTION_WAIT_MS = 10_000

/**
 * Read-your-writes for the admin API: resolves once the read-models checkpoint passed `position`.
 * `wake` starts the projector at once (in process, or by NOTIFY); `nudges` re-reads the checkpoint
 * as soon as the projector announces a batch (projection-wakeup.ts).
 *
 * Past `waitMs` it throws READ_MODEL_LAGGING (503, Retry-After): the command IS recorded, but an
 * answer read from the read models would say it is not (a create would be a 404). A retry with the
 * same Idempotency-Key runs again with the same ids, writes nothing new (the event store answers
 * a batch it holds with what it stored) and answers in full once the read models caught up.
 */
export function projectionWaiter(
  db: Database,
  wake: () => void = () => {},
  nudges?: EventEmitter,
  waitMs = PROJECTION_WAIT_MS,
) {
  return async (position: bigint): Promise<void> => {
    wake()
    if (await waitForCheckpoint(db, READ_MODELS, position, waitMs, nudges)) return
    throw new AppError(
      'READ_MODEL_LAGGING',
      `the change was recorded (position ${position}), but the read models did not include it ` +
        `within ${waitMs} ms; read it again shortly, or retry with the same Idempotency-Key`,
      { position: position.toString() },
    )
  }
}

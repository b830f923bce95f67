import type { FastifyInstance } from 'fastify'
import { AppError } from '../../domain/errors.ts'
import type { Config } from '../../infra/config/config.ts'
import { parseKeyring } from '../../infra/crypto/keyring.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { verifyChain } from '../../infra/event-store/chain-verify.ts'
import type { Database } from '../../infra/ports/database.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'
import { createS3ObjectStore, s3OptionsOf } from '../../infra/s3/object-store.ts'
import { type AnchorDeps, writeAnchor } from '../../projections/audit-anchor/anchor.ts'
import { addAnchorKey, loadAnchorKeys } from '../../projections/audit-anchor/keys.ts'
import { type AnchorFailure, verifyAnchors } from '../../projections/audit-anchor/verify-anchors.ts'
import { openAdapter } from './adapter.ts'
import type { Runtime } from './runtime.ts'

// Signed anchors of the event chain (docs/audit.md, "Anchors"): `aiaas audit anchor`,
// `aiaas audit verify-anchors`, and the audit-forwarder's periodic anchor
// (AIAAS_AUDIT_ANCHOR_INTERVAL_MS). Anchors go to the S3 store under AIAAS_AUDIT_ANCHOR_PREFIX.

/** The signer's dependencies on a database: the key is opened with AIAAS_KEK (the secrets store). */
async function anchorDeps(config: Config, db: Database, now: () => Date): Promise<AnchorDeps> {
  if (!config.AIAAS_KEK) throw new AppError('CONFIG_INVALID', 'AIAAS_KEK is required to sign chain anchors')
  const keys = await loadAnchorKeys(db, createSecretBox(db, parseKeyring(config.AIAAS_KEK)))
  const store = createS3ObjectStore(s3OptionsOf(config))
  return { db, store, keys, now, prefix: config.AIAAS_AUDIT_ANCHOR_PREFIX }
}

function usage(name: string): number {
  process.stderr.write(`usage: aiaas audit ${name}   (no arguments; configuration from the environment)\n`)
  return 2
}

/** `aiaas audit anchor`: signs the chain head now and writes it; exit 0 (2: usage). */
export async function runAnchor(config: Config, args: readonly string[]): Promise<number> {
  if (args.length > 0) return usage('anchor')
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    const deps = await anchorDeps(config, db, () => new Date())
    try {
      const anchor = await writeAnchor(deps)
      process.stdout.write(
        anchor === null
          ? 'nothing chained yet: no anchor written\n'
          : anchor.written
            ? `anchored position ${anchor.global_position} (hash ${anchor.hash}): ${anchor.key}\n`
            : `position ${anchor.global_position} is anchored already: ${anchor.key} (not replaced)\n`,
      )
      return 0
    } finally {
      await deps.store.close()
    }
  } finally {
    await db.close()
  }
}

/**
 * `aiaas audit rotate-anchor-key`: a new anchor signing key, sealed under the first key of
 * AIAAS_KEK; the next anchors are signed with it and the JWKS written with them lists every key.
 */
export async function runRotateAnchorKey(config: Config, args: readonly string[]): Promise<number> {
  if (args.length > 0) return usage('rotate-anchor-key')
  if (!config.AIAAS_KEK) throw new AppError('CONFIG_INVALID', 'AIAAS_KEK is required to seal an anchor key')
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    const key = await addAnchorKey(db, createSecretBox(db, parseKeyring(config.AIAAS_KEK)))
    process.stdout.write(`added anchor key ${key.kid}; the next anchors are signed with it\n`)
    return 0
  } finally {
    await db.close()
  }
}

const describeFailure = (f: AnchorFailure): string =>
  `anchor ${f.key}${f.global_position ? ` (position ${f.global_position})` : ''}: ${f.reason}` +
  (f.anchored ? `; anchored ${f.anchored}, chain now ${f.found ?? '(none)'}` : '')

/**
 * `aiaas audit verify-anchors`: recomputes the chain from the events, then checks every anchor in
 * the store against it; exit 0 when both hold, 1 otherwise (2: usage). Needs no key: anchors
 * verify with the JWKS beside them.
 */
export async function runVerifyAnchors(config: Config, args: readonly string[]): Promise<number> {
  if (args.length > 0) return usage('verify-anchors')
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  const store = createS3ObjectStore(s3OptionsOf(config))
  try {
    const chain = await verifyChain(db)
    const anchors = await verifyAnchors(db, store, config.AIAAS_AUDIT_ANCHOR_PREFIX)
    const lines = [
      chain.first_break
        ? `chain broken at position ${chain.first_break.global_position}`
        : `chain intact: ${chain.checked} events checked`,
      ...anchors.failures.map(describeFailure),
      `${anchors.checked - anchors.failures.length} of ${anchors.checked} anchors hold`,
    ]
    const ok = chain.ok && anchors.ok
    ;(ok ? process.stdout : process.stderr).write(`${lines.join('\n')}\n`)
    return ok ? 0 : 1
  } finally {
    await store.close()
    await db.close()
  }
}

/**
 * The periodic anchor of the audit-forwarder process, when AIAAS_AUDIT_ANCHOR_INTERVAL_MS > 0: the
 * chain head signed each interval, skipped while the head has not moved since the last anchor.
 */
export async function openAnchoring(
  app: Pick<FastifyInstance, 'register'>,
  rt: Runtime,
  db: Database,
): Promise<void> {
  const intervalMs = rt.config.AIAAS_AUDIT_ANCHOR_INTERVAL_MS
  if (intervalMs === 0) return
  const deps = await anchorDeps(rt.config, db, rt.now)
  let last: string | undefined
  let running: Promise<void> | undefined
  const tick = async () => {
    try {
      const anchor = await writeAnchor({ ...deps, skipIf: (position) => position === last })
      if (anchor !== null) last = anchor.global_position
    } catch (error) {
      rt.log.warn({ err: error }, 'chain anchor failed; retrying at the next interval')
    }
  }
  // One anchor at a time: a tick that finds the previous one still writing (slow store) is skipped.
  const timer = setInterval(() => {
    running ??= tick().finally(() => {
      running = undefined
    })
  }, intervalMs)
  await openAdapter(app, 'anchoring', () => ({
    close: async () => {
      clearInterval(timer)
      await running
      await deps.store.close()
    },
  }))
}

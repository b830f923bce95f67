import { AppError } from '../../domain/errors.ts'
import type { Config } from '../../infra/config/config.ts'
import { parseKeyring } from '../../infra/crypto/keyring.ts'
import { type Rotation, rotateKek } from '../../infra/crypto/rotate-kek.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { addSigningKey } from '../../infra/oidc/signing-keys.ts'
import { createPostgresDatabase } from '../../infra/postgres/database.ts'

/** `aiaas secrets <subcommand>`: what each one does, for the usage text. */
export const SECRETS_SUBCOMMANDS = {
  'rotate-kek': 're-wraps every data key with the first key of AIAAS_KEK (PostgreSQL)',
  'rotate-signing-key': 'adds a new OAuth2 signing key (issuers sign with it once restarted)',
} as const

/**
 * `aiaas secrets rotate-kek` on AIAAS_DATABASE_URL: AIAAS_KEK lists the new key first and every
 * key that still wraps a data key after it (docs/adr/0010).
 */
export async function runRotateKek(config: Config): Promise<Rotation> {
  if (!config.AIAAS_KEK) {
    throw new AppError('CONFIG_INVALID', 'AIAAS_KEK must list the new key first, then the keys it replaces')
  }
  const keyring = parseKeyring(config.AIAAS_KEK)
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    return await rotateKek(db, keyring)
  } finally {
    await db.close()
  }
}

/**
 * `aiaas secrets rotate-signing-key` on AIAAS_DATABASE_URL: a new signing key, sealed under the
 * first key of AIAAS_KEK (docs/adr/0015). Old keys stay published, so tokens they signed verify.
 */
export async function runRotateSigningKey(config: Config): Promise<string> {
  if (!config.AIAAS_KEK) throw new AppError('CONFIG_INVALID', 'AIAAS_KEK is required to seal a signing key')
  const db = createPostgresDatabase(config.AIAAS_DATABASE_URL)
  try {
    return (await addSigningKey(db, createSecretBox(db, parseKeyring(config.AIAAS_KEK)))).kid
  } finally {
    await db.close()
  }
}

/** Runs `aiaas secrets <argv>`; returns the exit code. */
export async function runSecretsCommand(config: Config, argv: readonly string[]): Promise<number> {
  if (argv[0] === 'rotate-signing-key') {
    const kid = await runRotateSigningKey(config)
    process.stdout.write(`added signing key ${kid}; restart the identity processes to sign with it\n`)
    return 0
  }
  if (argv[0] !== 'rotate-kek') {
    const lines = Object.entries(SECRETS_SUBCOMMANDS).map(
      ([name, what]) => `usage: aiaas secrets ${name}   ${what}`,
    )
    process.stderr.write(`${lines.join('\n')}\n`)
    return 2
  }
  const { rewrapped, skipped } = await runRotateKek(config)
  const active = config.AIAAS_KEK?.split(':')[0] ?? ''
  process.stdout.write(`re-wrapped ${rewrapped} data keys with ${active}; ${skipped} already re-wrapped\n`)
  return 0
}

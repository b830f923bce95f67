import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import {
  canonicalRecoveryCode,
  hashOneTimeSecret,
  newRecoveryCode,
  RECOVERY_CODE_COUNT,
} from '../../domain/credentials/one-time-secrets.ts'
import { type CommandContext, handleCommand } from '../handle-command.ts'
import type { CredentialDeps } from './credential-deps.ts'

/** A fresh set of recovery codes to show once, and the hashes to store. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode)
  return { codes, hashes: codes.map((code) => hashOneTimeSecret(canonicalRecoveryCode(code))) }
}

/** Replaces every recovery code of a confirmed TOTP; the old ones stop working. */
export async function regenerateRecoveryCodes(
  deps: CredentialDeps,
  input: { user_id: string },
  context: CommandContext,
): Promise<{ recovery_codes: string[]; position: bigint }> {
  const { user_id } = input
  const { codes, hashes } = newRecoveryCodes()
  const data = { user_id, recovery_code_hashes: hashes, now: deps.now().toISOString() }
  const { positions } = await handleCommand(
    deps,
    credentialStream(user_id),
    credentialDecider,
    { type: 'RegenerateRecoveryCodes', data },
    context,
  )
  return { recovery_codes: codes, position: positions.at(-1) ?? 0n }
}

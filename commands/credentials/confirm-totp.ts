import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import { AppError } from '../../domain/errors.ts'
import { matchingStep } from '../../infra/crypto/totp.ts'
import { type CommandContext, handleCommand, loadState } from '../handle-command.ts'
import { type CredentialDeps, checkedAgainOnChange } from './credential-deps.ts'
import { newRecoveryCodes } from './recovery-codes.ts'

/** Confirms a pending enrolment with a first code; answers the recovery codes, this once. */
export function confirmTotp(
  deps: CredentialDeps,
  input: { user_id: string; code: string },
  context: CommandContext,
): Promise<{ recovery_codes: string[]; position: bigint }> {
  const { user_id } = input
  const stream = credentialStream(user_id)
  return checkedAgainOnChange(async () => {
    const { state } = await loadState(deps.store, stream, credentialDecider)
    if (state.totp.status !== 'Pending') {
      throw new AppError('TOTP_NOT_PENDING', 'no TOTP enrolment is waiting for confirmation', { user_id })
    }
    const at = deps.now()
    const step = matchingStep(await deps.secrets.open(state.totp.secret), input.code, at)
    const { codes, hashes } = newRecoveryCodes()
    const { enrolment_id } = state.totp
    const data = { user_id, enrolment_id, step, recovery_code_hashes: hashes, now: at.toISOString() }
    const { positions } = await handleCommand(
      deps,
      stream,
      credentialDecider,
      { type: 'ConfirmTotp', data },
      context,
    )
    return { recovery_codes: codes, position: positions.at(-1) ?? 0n }
  })
}

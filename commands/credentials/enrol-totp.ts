import { credentialStream } from '../../domain/credentials/credentials.ts'
import { credentialDecider } from '../../domain/credentials/decider.ts'
import { newTotpSecret, totpQrDataUrl, totpUri } from '../../infra/crypto/totp.ts'
import { type CommandContext, handleCommand } from '../handle-command.ts'
import { type CredentialDeps, loadUser, presenceOf } from './credential-deps.ts'

/** The name authenticator apps show above the code. */
export const TOTP_ISSUER = 'AIaaS'

export interface TotpEnrolment {
  /** The only time the secret leaves the server: inside this URI and its QR image. */
  otpauth_uri: string
  qr: string
  position: bigint
}

/**
 * Starts (or restarts) a TOTP enrolment: a new secret, stored sealed, pending until a first code
 * confirms it. A confirmed TOTP is never replaced here; an admin resets it first.
 */
export async function enrolTotp(
  deps: CredentialDeps,
  input: { user_id: string },
  context: CommandContext,
): Promise<TotpEnrolment> {
  const { user_id } = input
  const loaded = await loadUser(deps, user_id)
  const user = presenceOf(loaded)
  const secret = newTotpSecret()
  const sealed = await deps.secrets.seal(secret)
  const data = { user_id, enrolment_id: deps.newId(), secret: sealed, now: deps.now().toISOString() }
  const { positions } = await handleCommand(
    deps,
    credentialStream(user_id),
    credentialDecider,
    { type: 'StartTotpEnrolment', data, user },
    context,
  )
  const otpauth_uri = totpUri(secret, loaded.status === 'Absent' ? user_id : loaded.email, TOTP_ISSUER)
  return { otpauth_uri, qr: await totpQrDataUrl(otpauth_uri), position: positions.at(-1) ?? 0n }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { confirmTotp } from '../../commands/credentials/confirm-totp.ts'
import type { CredentialDeps } from '../../commands/credentials/credential-deps.ts'
import { disableTotp } from '../../commands/credentials/disable-totp.ts'
import { enrolTotp } from '../../commands/credentials/enrol-totp.ts'
import { acceptInvitation, issueInvitation } from '../../commands/credentials/invitation.ts'
import { regenerateRecoveryCodes } from '../../commands/credentials/recovery-codes.ts'
import { setPassword } from '../../commands/credentials/set-password.ts'
import { invitationUser } from '../../domain/credentials/one-time-secrets.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { type AdminDeps, commandContext } from './context.ts'
import {
  confirmBody,
  invitation,
  invitationParams,
  passwordBody,
  recoveryCodes,
  totpEnrolment,
  userParams,
} from './credential-schemas.ts'

// A user's credentials, set by an admin: the password, an invitation to set it, TOTP and recovery
// codes. Checking a password or a code is no route: the sign-in flow calls
// commands/credentials/verify-*.ts. Answers that carry a secret are never cached.

const credentialDeps = (deps: AdminDeps): CredentialDeps => ({
  ...deps.commands,
  // Without AIAAS_KEK every credential write fails with SECRETS_UNAVAILABLE; nothing else does.
  secrets: deps.secrets ?? createSecretBox(deps.readModels, undefined),
})

const noStore = { 'cache-control': 'no-store' }

/** /users/{id}/password, /users/{id}/invitation, /users/{id}/mfa/…: behind the admin token. */
export const credentialRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const commands = credentialDeps(deps)

  app.put(
    '/users/:user_id/password',
    { schema: { params: userParams, body: passwordBody, response: { 204: z.null() } } },
    async (request, reply) => {
      await setPassword(commands, { ...request.params, ...request.body }, commandContext(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/users/:user_id/invitation',
    { schema: { params: userParams, response: { 201: invitation } } },
    async (request, reply) => {
      const { token, expires_at } = await issueInvitation(commands, request.params, commandContext(request))
      reply.code(201).headers(noStore)
      return { object: 'invitation' as const, user_id: request.params.user_id, token, expires_at }
    },
  )

  app.post(
    '/users/:user_id/mfa/totp',
    { schema: { params: userParams, response: { 201: totpEnrolment } } },
    async (request, reply) => {
      const { otpauth_uri, qr } = await enrolTotp(commands, request.params, commandContext(request))
      reply.code(201).headers(noStore)
      return { object: 'totp_enrolment' as const, user_id: request.params.user_id, otpauth_uri, qr }
    },
  )

  app.post(
    '/users/:user_id/mfa/totp/confirm',
    { schema: { params: userParams, body: confirmBody, response: { 200: recoveryCodes } } },
    async (request, reply) => {
      const input = { ...request.params, ...request.body }
      const { recovery_codes } = await confirmTotp(commands, input, commandContext(request))
      reply.headers(noStore)
      return { object: 'recovery_codes' as const, user_id: request.params.user_id, recovery_codes }
    },
  )

  app.post(
    '/users/:user_id/mfa/recovery-codes',
    { schema: { params: userParams, response: { 200: recoveryCodes } } },
    async (request, reply) => {
      const { recovery_codes } = await regenerateRecoveryCodes(
        commands,
        request.params,
        commandContext(request),
      )
      reply.headers(noStore)
      return { object: 'recovery_codes' as const, user_id: request.params.user_id, recovery_codes }
    },
  )

  app.delete(
    '/users/:user_id/mfa/totp',
    { schema: { params: userParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await disableTotp(commands, request.params, commandContext(request))
      return reply.code(204).send(null)
    },
  )
}

/**
 * POST /invitations/{token}/password: no admin token, the invitation token is the credential.
 * Registered outside the admin token's hook and the policy (docs/security.md).
 */
export const invitationRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const commands = credentialDeps(deps)
  app.post(
    '/invitations/:token/password',
    { schema: { params: invitationParams, body: passwordBody, response: { 204: z.null() } } },
    async (request, reply) => {
      // The invited user acts; the event is only recorded when the token proves it.
      const actor = `user:${invitationUser(request.params.token) ?? 'unknown'}`
      const context = { ...commandContext(request), actor }
      await acceptInvitation(commands, { ...request.params, ...request.body }, context)
      return reply.code(204).send(null)
    },
  )
}

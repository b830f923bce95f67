import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { acceptInvitation } from '../../../commands/credentials/invitation.ts'
import { invitationUser } from '../../../domain/credentials/one-time-secrets.ts'
import { AppError } from '../../../domain/errors.ts'
import { type InteractionDeps, signInContext } from './deps.ts'
import { sendPage } from './html.ts'
import { invitationForm, message } from './pages.ts'
import { acceptForms, pageErrors } from './routes.ts'

// The invitation link for browsers: GET /oauth2/invitations/:token shows a set-password form,
// its POST sets the password through the same command as POST /admin/v1/invitations/{token}/password.
// The token stays in the path (as in the admin API's route), where the request log redacts every
// `/invitations/<token>` (gateways/http/request-log.ts); the page sends no Referer, so the token
// never leaves in one. Served beside the sign-in pages (same origin, same CSP), whose login it
// leads to.

const params = z.object({ token: z.string().min(1).max(512) })
const body = z.object({ password: z.string().max(4096), confirm: z.string().max(4096) })

const TITLE = 'Set your password'

/** The errors of an invitation a person can act on, in words. */
const INVITATION_ERRORS: Record<string, string> = {
  INVITATION_INVALID: 'This invitation link is not valid (it may have been used already). Ask for a new one.',
  INVITATION_EXPIRED: 'This invitation link has expired. Ask for a new one.',
  USER_DISABLED: 'This account is disabled.',
  USER_NOT_FOUND: 'This invitation link is not valid. Ask for a new one.',
}

export const invitationPages: FastifyPluginAsync<Pick<InteractionDeps, 'credentials'>> = async (
  plain,
  deps,
) => {
  const app = plain.withTypeProvider<ZodTypeProvider>()
  acceptForms(app)
  pageErrors(app)
  const schema = { hide: true, params }

  app.get('/invitations/:token', { schema }, async (request, reply) =>
    sendPage(reply, { title: TITLE, body: invitationForm(request.url) }),
  )
  app.post('/invitations/:token', { schema: { ...schema, body } }, async (request, reply) => {
    const { token } = request.params
    const { password, confirm } = request.body
    const retry = (error: string, status: number) =>
      sendPage(reply, { title: TITLE, body: invitationForm(request.url, error), status })
    if (password !== confirm) return retry('The two passwords differ.', 400)
    const context = signInContext(request, `user:${invitationUser(token) ?? 'unknown'}`)
    try {
      await acceptInvitation(deps.credentials, { token, password }, context)
    } catch (error) {
      if (!(error instanceof AppError)) throw error
      if (error.code === 'PASSWORD_INVALID')
        return retry(`${error.message[0]?.toUpperCase()}${error.message.slice(1)}.`, 422)
      const text = INVITATION_ERRORS[error.code]
      if (!text) throw error
      return sendPage(reply, { title: TITLE, body: message(text), status: 410 })
    }
    return sendPage(reply, {
      title: 'Password set',
      body: message('Your password is set. Go back to the application and sign in.'),
    })
  })
}

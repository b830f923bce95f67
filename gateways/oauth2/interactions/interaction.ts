import type { FastifyReply, FastifyRequest } from 'fastify'
import type { InteractionResults } from 'oidc-provider'
import { activateUser } from '../../../commands/users/activate-user.ts'
import type { InteractionDeps } from './deps.ts'
import { signInContext } from './deps.ts'
import { type Html, type Page, sendPage } from './html.ts'
import { signIns } from './sign-in-state.ts'

// One interaction (one sign-in in progress), as each page's handler sees it: found through the
// signed interaction cookie (oidc-provider), so a uid in a URL is useless without the browser
// that started it; the pages it renders; and how it ends, with a result handed back to the issuer.

/** A failure the person should read: shown as the page, with its status. */
export class PageError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

const EXPIRED =
  'This sign-in has expired or was started in another browser. Go back to the application and start again.'

export async function openInteraction(
  deps: InteractionDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  uid: string,
) {
  let interaction: Awaited<ReturnType<InteractionDeps['provider']['interactionDetails']>>
  try {
    interaction = await deps.provider.interactionDetails(request.raw, reply.raw)
  } catch {
    throw new PageError(400, EXPIRED)
  }
  if (interaction.uid !== uid) throw new PageError(400, EXPIRED)
  const base = `${request.url.slice(0, request.url.indexOf('/interaction/'))}/interaction/${uid}`
  const redirectUri =
    typeof interaction.params.redirect_uri === 'string' ? interaction.params.redirect_uri : null
  const formTargets = redirectUri ? [new URL(redirectUri).origin] : []
  return {
    interaction,
    /** The path of this interaction's page, and of its forms' actions under it. */
    path: (step = '') => (step ? `${base}/${step}` : base),
    page: (title: string, body: Html, extra: Partial<Page> = {}) =>
      sendPage(reply, { title, body, formTargets, ...extra }),
    /** Hands the result to the issuer and sends the browser back to it. */
    async finish(result: InteractionResults, merge = true) {
      const to = await deps.provider.interactionResult(request.raw, reply.raw, result, {
        mergeWithLastSubmission: merge,
      })
      return reply.redirect(to, 303)
    },
    /** The login is complete: an invited user becomes active, and the issuer gets the account. */
    async signedIn(userId: string, amr: string[]) {
      await activateUser(deps.credentials, { user_id: userId }, signInContext(request, `user:${userId}`))
      await signIns(deps.store).drop(uid)
      return this.finish({ login: { accountId: userId, amr } })
    },
  }
}
export type OpenInteraction = Awaited<ReturnType<typeof openInteraction>>

import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isAppError } from '../../../domain/errors.ts'
import { normalizeError } from '../../http/errors/normalize.ts'
import { type InteractionDeps, signInContext } from './deps.ts'
import { sendPage } from './html.ts'
import { type OpenInteraction, openInteraction, PageError } from './interaction.ts'
import { message } from './pages.ts'
import { type SignInState, signIns } from './sign-in-state.ts'
import { approve, type CodePost, deny, postEnrol, postLogin, postSecondFactor, showStep } from './steps.ts'

// The sign-in pages, under the issuer's prefix (/oauth2/interaction/:uid/…): fastify routes,
// more specific than the issuer's catch-all (../routes.ts), that read and end the interaction
// through oidc-provider's interactionDetails / interactionResult. Forms are posted
// url-encoded; every answer is a page (errors too), never JSON.

const params = z.object({ uid: z.string().min(1).max(64) })
const loginBody = z.object({ email: z.string().trim().max(320), password: z.string().max(1024) })
const codeBody = z.object({ code: z.string().trim().max(64) })
const consentBody = z.object({ decision: z.enum(['approve', 'deny']) })

const FORM_BYTES = 16 * 1024

/** Form bodies: url-encoded, small. */
export function acceptForms(app: Parameters<FastifyPluginAsync>[0]) {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BYTES },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  )
}

/** Every failure is a page: what went wrong when it is the request's, nothing more when it is ours. */
export function pageErrors(app: Parameters<FastifyPluginAsync>[0]) {
  app.setErrorHandler((error: FastifyError | PageError, request, reply) => {
    if (error instanceof PageError) {
      return sendPage(reply, { title: 'Sign in', body: message(error.message), status: error.status })
    }
    // An outage (the session store, the database) stays a 503 the browser may retry; an
    // AppError's status is its catalogue entry's; anything else of ours is a 500.
    const status = error.statusCode ?? (isAppError(error) ? normalizeError(error).status : 500)
    if (status >= 500) request.log.error({ err: error }, 'sign-in page failed')
    const text =
      status === 503
        ? 'Sign-in is unavailable for a moment. Try again shortly.'
        : status >= 500
          ? 'Something went wrong. Try again.'
          : 'The form could not be read. Go back and try again.'
    const answered = status === 503 ? 503 : status >= 500 ? 500 : 400
    return sendPage(reply, { title: 'Sign in', body: message(text), status: answered })
  })
}

export const interactionRoutes: FastifyPluginAsync<InteractionDeps> = async (plain, deps) => {
  const app = plain.withTypeProvider<ZodTypeProvider>()
  acceptForms(app)
  pageErrors(app)
  const open = (request: FastifyRequest, reply: FastifyReply, uid: string) =>
    openInteraction(deps, request, reply, uid)

  /** The sign-in state a post needs, or back to the page for where the sign-in really stands. */
  const atStage = async (uid: string, stage: SignInState['stage']) => {
    const state = await signIns(deps.store).get(uid)
    return state?.stage === stage ? state : null
  }
  const hidden = { hide: true }

  app.get('/interaction/:uid', { schema: { ...hidden, params } }, async (request, reply) =>
    showStep(deps, request, await open(request, reply, request.params.uid)),
  )
  app.post(
    '/interaction/:uid/login',
    { schema: { ...hidden, params, body: loginBody } },
    async (request, reply) => {
      const current = await open(request, reply, request.params.uid)
      if (current.interaction.prompt.name !== 'login') return reply.redirect(current.path(), 303)
      if (throttled(deps, request, reply)) return throttledPage(current, reply)
      return postLogin(deps, request, reply, current, request.body)
    },
  )
  /** A code form at its stage: the step, for the sign-in's user; or back to where it stands. */
  const codeForm = (
    step: string,
    stage: SignInState['stage'],
    post: (deps: InteractionDeps, post: CodePost) => Promise<unknown>,
    throttle: boolean,
  ) =>
    app.post(
      `/interaction/:uid/${step}`,
      { schema: { ...hidden, params, body: codeBody } },
      async (request, reply) => {
        const current = await open(request, reply, request.params.uid)
        const state = await atStage(request.params.uid, stage)
        if (!state) return reply.redirect(current.path(), 303)
        if (throttle && throttled(deps, request, reply)) return throttledPage(current, reply)
        const { user_id } = state
        const context = signInContext(request, `user:${user_id}`)
        return post(deps, { open: current, reply, user_id, code: request.body.code, context })
      },
    )
  codeForm('second-factor', 'second_factor', postSecondFactor, true)
  codeForm('enrol', 'enrol', postEnrol, false)
  app.post('/interaction/:uid/continue', { schema: { ...hidden, params } }, async (request, reply) => {
    const current = await open(request, reply, request.params.uid)
    const state = await atStage(request.params.uid, 'enrolled')
    if (!state) return reply.redirect(current.path(), 303)
    return current.signedIn(state.user_id, ['pwd', 'otp'])
  })
  app.post(
    '/interaction/:uid/consent',
    { schema: { ...hidden, params, body: consentBody } },
    async (request, reply) => {
      const current = await open(request, reply, request.params.uid)
      if (current.interaction.prompt.name !== 'consent') return reply.redirect(current.path(), 303)
      return request.body.decision === 'approve' ? approve(deps, current) : deny(current)
    },
  )
}

function throttled(deps: InteractionDeps, request: FastifyRequest, reply: FastifyReply): boolean {
  const wait = deps.throttle.attempt(request.ip)
  if (wait === null) return false
  reply.header('retry-after', String(wait))
  return true
}

const throttledPage = (current: OpenInteraction, reply: FastifyReply) =>
  current.page(
    'Sign in',
    message(
      `Too many sign-in attempts from your address; retry in ${String(reply.getHeader('retry-after'))} s.`,
    ),
    { status: 429 },
  )

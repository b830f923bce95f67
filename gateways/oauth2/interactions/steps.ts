import type { FastifyReply, FastifyRequest } from 'fastify'
import type { CommandContext } from '../../../commands/handle-command.ts'
import { consents, grantAsked, missingOf, scopesAsked } from './consent.ts'
import { ANONYMOUS, type InteractionDeps, signInContext } from './deps.ts'
import { html } from './html.ts'
import type { OpenInteraction } from './interaction.ts'
import { checkPassword } from './login.ts'
import { consentForm, enrolForm, loginForm, message, recoveryCodesBody, secondFactorForm } from './pages.ts'
import { checkSecondFactor, confirmEnrolment, enrolment, type Refusal } from './second-factor.ts'
import { signIns } from './sign-in-state.ts'

// Each page of a sign-in: what GET shows at each stage, and what each form's post does.

const TITLE = { login: 'Sign in', second: 'Two-factor sign-in', enrol: 'Set up two-factor sign-in' }

const refusedWith = (reply: FastifyReply, refusal: Refusal) => {
  if (refusal.retry_after_seconds) reply.header('retry-after', String(refusal.retry_after_seconds))
  return { status: refusal.status }
}

/** GET: the page for where the sign-in stands. */
export async function showStep(deps: InteractionDeps, request: FastifyRequest, open: OpenInteraction) {
  const { interaction } = open
  if (interaction.prompt.name === 'consent') return showConsent(deps, open)
  if (interaction.prompt.name !== 'login') return open.page('Sign in', message('This step is not supported.'))
  const state = await signIns(deps.store).get(interaction.uid)
  switch (state?.stage) {
    case 'second_factor':
      return open.page(TITLE.second, secondFactorForm(open.path('second-factor')))
    case 'enrol': {
      const context = signInContext(request, `user:${state.user_id}`)
      return open.page(
        TITLE.enrol,
        enrolForm(open.path('enrol'), await enrolment(deps, state.user_id, context)),
      )
    }
    case 'enrolled':
      return open.page(
        TITLE.enrol,
        html`<p>Two-factor sign-in is on.</p>
<form method="post" action="${open.path('continue')}"><button type="submit">Continue</button></form>`,
      )
    default:
      return open.page(TITLE.login, loginForm(open.path('login'), {}))
  }
}

async function showConsent(deps: InteractionDeps, open: OpenInteraction) {
  const { interaction } = open
  const asked = missingOf(interaction.prompt.details)
  const accountId = interaction.session?.accountId ?? ''
  const clientId = String(interaction.params.client_id)
  // prompt=consent asks for the page (OIDC Core §3.1.2.1), and a refresh token needs it (§11).
  const forced = String(interaction.params.prompt ?? '')
    .split(' ')
    .includes('consent')
  if (!forced && (await consents(deps.store).covered(accountId, clientId, asked))) return approve(deps, open)
  const client = await deps.provider.Client.find(clientId)
  const name = client?.clientName ?? clientId
  return open.page('Allow access?', consentForm(open.path('consent'), name, scopesAsked(asked)))
}

/** Approves what the client asks: the grant gets it, and the approval is remembered. */
export async function approve(deps: InteractionDeps, open: OpenInteraction) {
  const { interaction } = open
  const asked = missingOf(interaction.prompt.details)
  const accountId = interaction.session?.accountId ?? ''
  const clientId = String(interaction.params.client_id)
  const grantId = await grantAsked(
    deps.provider,
    { grantId: interaction.grantId, accountId, clientId },
    asked,
  )
  await consents(deps.store).remember(accountId, clientId, asked)
  return open.finish({ consent: { grantId } })
}

export const deny = (open: OpenInteraction) =>
  open.finish({ error: 'access_denied', error_description: 'the user denied the request' }, false)

export async function postLogin(
  deps: InteractionDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  open: OpenInteraction,
  form: { email: string; password: string },
) {
  const step = await checkPassword(deps, form, signInContext(request, ANONYMOUS))
  if (step.next === 'refused') {
    const body = loginForm(open.path('login'), { email: form.email, error: step.message })
    return open.page(TITLE.login, body, refusedWith(reply, step))
  }
  if (step.next === 'done') return open.signedIn(step.user_id, ['pwd'])
  await signIns(deps.store).put(open.interaction.uid, { user_id: step.user_id, stage: step.next })
  return reply.redirect(open.path(), 303)
}

/** A code posted at the sign-in's stage, in the name of the user the sign-in stands for. */
export interface CodePost {
  open: OpenInteraction
  reply: FastifyReply
  user_id: string
  code: string
  context: CommandContext
}

export async function postSecondFactor(
  deps: InteractionDeps,
  { open, reply, user_id, code, context }: CodePost,
) {
  const refusal = await checkSecondFactor(deps, { user_id, code }, context)
  if (!refusal) return open.signedIn(user_id, ['pwd', 'otp'])
  const body = secondFactorForm(open.path('second-factor'), refusal.message)
  return open.page(TITLE.second, body, refusedWith(reply, refusal))
}

export async function postEnrol(deps: InteractionDeps, { open, reply, user_id, code, context }: CodePost) {
  const confirmed = await confirmEnrolment(deps, { user_id, code }, context)
  if ('message' in confirmed) {
    const shown = await enrolment(deps, user_id, context)
    return open.page(TITLE.enrol, enrolForm(open.path('enrol'), { ...shown, error: confirmed.message }), {
      ...refusedWith(reply, confirmed),
    })
  }
  await signIns(deps.store).put(open.interaction.uid, { user_id, stage: 'enrolled' })
  return open.page(TITLE.enrol, recoveryCodesBody(open.path('continue'), confirmed.recovery_codes))
}

import type { ComponentChildren } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { createApi } from './api.ts'
import { type ConsoleConfig, loadConfig } from './auth/config.ts'
import { discover, type Endpoints, finishSignIn, refresh, revoke, startSignIn } from './auth/oidc.ts'
import { createTokenKeeper, type TokenKeeper } from './auth/token-keeper.ts'
import type { Api } from './contract.ts'
import { pages } from './pages/registry.ts'
import { buildSession, type Me, pickOrganization } from './session.ts'
import { Shell } from './shell.tsx'
import { Loading, ProblemView } from './ui/problem.tsx'

// The console's states: loading its configuration, signed out (a Sign in button), finishing the
// redirect back from the issuer, loading the session, and signed in (the shell).

const BASE = '/console/'
const ORG_KEY = 'aiaas-console-organization'

type State =
  | { at: 'booting' }
  | { at: 'failed'; error: unknown }
  | { at: 'signed-out'; config: ConsoleConfig; endpoints: Endpoints; note?: string }
  | { at: 'signed-in'; config: ConsoleConfig; endpoints: Endpoints; keeper: TokenKeeper; api: Api; me: Me }

export function App() {
  const [state, setState] = useState<State>({ at: 'booting' })
  useEffect(() => {
    boot(setState).then(setState, (error: unknown) => setState({ at: 'failed', error }))
  }, [])
  if (state.at === 'booting') return <Loading what="the console" />
  if (state.at === 'failed')
    return (
      <Centered title="The console could not start">
        <ProblemView error={state.error} onRetry={() => location.assign(BASE)} />
      </Centered>
    )
  if (state.at === 'signed-out') return <SignIn state={state} />
  return <SignedIn state={state} onSignOut={() => signOut(state).then(setState)} />
}

/** `ended` is told when the session can no longer be refreshed (the refresh token expired or was revoked). */
async function boot(ended: (state: State) => void): Promise<State> {
  const config = await loadConfig(BASE)
  // The issuer knows one callback, on its own origin: a console opened at another name
  // (localhost for 127.0.0.1) moves there first, or sign-in would fail at the redirect.
  const home = new URL(config.admin_url).origin
  if (location.origin !== home) {
    location.replace(`${home}${BASE}${location.hash}`)
    return new Promise<State>(() => {})
  }
  const endpoints = await discover(config.issuer)
  const url = new URL(location.href)
  if (!url.pathname.endsWith('/callback')) return { at: 'signed-out', config, endpoints }
  const { tokens, back } = await finishSignIn(config, endpoints, url)
  // The code and state leave the address bar (and the history) at once.
  history.replaceState(null, '', `${BASE}${back || '#/'}`)
  const keeper = createTokenKeeper(tokens, (token) =>
    refresh(config, endpoints, token).catch((error: unknown) => {
      ended({ at: 'signed-out', config, endpoints, note: 'Your session has ended. Sign in again.' })
      throw error
    }),
  )
  const api = createApi({ admin: config.admin_url, analytics: config.analytics_url }, () => keeper.token())
  const me = await api.get<Me>('/admin/v1/me')
  return { at: 'signed-in', config, endpoints, keeper, api, me }
}

async function signOut(state: Extract<State, { at: 'signed-in' }>): Promise<State> {
  const last = state.keeper.forget()
  if (last?.refresh_token) await revoke(state.config, state.endpoints, last.refresh_token)
  return { at: 'signed-out', config: state.config, endpoints: state.endpoints, note: 'You are signed out.' }
}

function SignIn({ state }: { state: Extract<State, { at: 'signed-out' }> }) {
  const [busy, setBusy] = useState(false)
  const go = () => {
    setBusy(true)
    startSignIn(state.config, state.endpoints, location.hash).catch(() => setBusy(false))
  }
  return (
    <Centered title="AIaaS console">
      {state.note ? <p role="status">{state.note}</p> : null}
      <p>Sign in with your AIaaS account to manage API keys and see usage.</p>
      <button type="button" class="primary" onClick={go} disabled={busy}>
        Sign in
      </button>
    </Centered>
  )
}

function SignedIn({ state, onSignOut }: { state: Extract<State, { at: 'signed-in' }>; onSignOut(): void }) {
  const [orgId, setOrgId] = useState(() => pickOrganization(state.me, localStorage.getItem(ORG_KEY)))
  const session = useMemo(() => buildSession(state.api, state.me, orgId), [state, orgId])
  const switchTo = (id: string) => {
    // Only the choice is kept across visits, never a token.
    localStorage.setItem(ORG_KEY, id)
    setOrgId(id)
  }
  return <Shell session={session} pages={pages} onSwitch={switchTo} onSignOut={onSignOut} />
}

function Centered({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <main id="main" class="centered">
      <h1>{title}</h1>
      {children}
    </main>
  )
}

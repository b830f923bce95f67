import { useState } from 'preact/hooks'
import type { Session } from '../contract.ts'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { formatInstant, formatUsd, isoToUtcInput, utcInputToIso } from './figures.ts'

// The organization as it was at an instant, replayed from the log
// (GET /admin/v1/audit/organizations/{id}/state?at=): its status and settings, members and roles,
// API keys, budgets and service accounts then.

interface OrganizationState {
  at: string
  organization: { name: string; status: string; settings: { timezone: string; mfa_required: boolean } }
  users: Array<{ user_id: string; email: string; display_name: string; status: string; roles: string[] }>
  api_keys: Array<{ api_key_id: string; name: string; key_prefix: string; status: string }>
  budgets: Array<{
    budget_id: string
    api_key_id: string | null
    period: string
    limit_usd: string
    enforcement: string
  }>
  service_accounts: Array<{ service_account_id: string; name: string; roles: string[]; status: string }>
}

export function AuditState({ session }: { session: Session }) {
  // To the second: floored to the minute, "now" can fall before what was just done.
  const [at, setAt] = useState(() => isoToUtcInput(new Date(), true))
  const [state, setState] = useState<OrganizationState | null>(null)
  const [invalid, setInvalid] = useState<string | null>(null)
  const action = useAction()
  const submit = (event: Event) => {
    event.preventDefault()
    const iso = utcInputToIso(at)
    setInvalid(iso === null ? 'Give a time' : null)
    if (iso === null) return
    void action.run(async () => {
      const path = `/admin/v1/audit/organizations/${session.organizationId}/state`
      setState(await session.api.get<OrganizationState>(path, { at: iso }))
    })
  }
  return (
    <section aria-labelledby="audit-state">
      <h2 id="audit-state">State at a time</h2>
      <form class="toolbar" aria-label="State of the organization at a time" onSubmit={submit}>
        <label>
          At (UTC)
          <input
            type="datetime-local"
            step={1}
            required
            value={at}
            onInput={(e) => setAt(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary" disabled={action.busy}>
          Show state
        </button>
      </form>
      {invalid ? (
        <p class="problem" role="alert">
          {invalid}
        </p>
      ) : null}
      {action.busy ? <Loading what="the state" /> : null}
      {action.error ? <ProblemView error={action.error} /> : null}
      {state && !action.busy ? <StateView state={state} /> : null}
    </section>
  )
}

function StateView({ state }: { state: OrganizationState }) {
  const org = state.organization
  return (
    <div>
      <p>
        At {formatInstant(state.at)}, <strong>{org.name}</strong> was {org.status} (time zone{' '}
        {org.settings.timezone}, MFA {org.settings.mfa_required ? 'required' : 'not required'}).
      </p>
      <List
        title="Members"
        items={state.users.map(
          (u) => `${u.display_name} <${u.email}> (${u.status}): ${u.roles.join(', ') || 'no role'}`,
        )}
      />
      <List title="API keys" items={state.api_keys.map((k) => `${k.name} (${k.key_prefix}…): ${k.status}`)} />
      <List
        title="Budgets"
        items={state.budgets.map(
          (b) =>
            `${b.api_key_id === null ? 'Organization' : `key ${b.api_key_id}`}: ${b.period} ${formatUsd(b.limit_usd)} (${b.enforcement})`,
        )}
      />
      <List
        title="Service accounts"
        items={state.service_accounts.map((s) => `${s.name} (${s.status}): ${s.roles.join(', ')}`)}
      />
    </div>
  )
}

function List({ title, items }: { title: string; items: string[] }) {
  return (
    <>
      <h3>
        {title} ({items.length})
      </h3>
      {items.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <ul>
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      )}
    </>
  )
}

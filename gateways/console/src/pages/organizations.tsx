import { useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { ConfirmButton } from '../ui/confirm-button.tsx'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { useLatest } from '../ui/use-latest.ts'
import { useLoad } from '../ui/use-load.ts'
import { listAll } from './all-pages.ts'
import { formatInstant } from './figures.ts'
import type { OrgSettings } from './org-settings.ts'
import { OrganizationSettings } from './organization-settings.tsx'
import './pages.css'

// Organizations: platform admins list every organization, create one and suspend, reactivate or
// close it; anyone with a role sees the organization they are looking at, and its owner changes
// its settings (organization-settings.tsx).

export interface Organization {
  id: string
  name: string
  created_at: string
  status: 'active' | 'suspended' | 'closed'
  suspended_reason: string | null
  settings: OrgSettings
}

export function OrganizationsPage({ session }: PageProps) {
  const [selected, setSelected] = useState(session.organizationId)
  const listing = session.can('organizations:list')
  return (
    <section>
      <h1>Organizations</h1>
      {session.can('organizations:create') ? (
        <CreateOrganization session={session} onCreated={setSelected} />
      ) : null}
      {listing ? <OrganizationList session={session} selected={selected} onSelect={setSelected} /> : null}
      {selected ? (
        <OrganizationDetail key={selected} session={session} id={selected} />
      ) : (
        <p>No organization selected.</p>
      )}
    </section>
  )
}

function CreateOrganization({ session, onCreated }: { session: Session; onCreated(id: string): void }) {
  const [name, setName] = useState('')
  // One Idempotency-Key per organization to create, kept until it is created: a click again after
  // a failure whose outcome is unknown (a timeout, a 5xx) gets the same organization, not a second.
  const [key, setKey] = useState(() => crypto.randomUUID())
  const action = useAction()
  const submit = (event: Event) => {
    event.preventDefault()
    void action.run(async () => {
      const created = await session.api.send<Organization>(
        'POST',
        '/admin/v1/organizations',
        { name: name.trim() },
        { 'idempotency-key': key },
      )
      setName('')
      setKey(crypto.randomUUID())
      onCreated(created.id)
    })
  }
  const rename = (value: string) => {
    setName(value)
    setKey(crypto.randomUUID())
  }
  return (
    <form class="stack" onSubmit={submit} aria-label="Create an organization">
      <label>
        New organization's name
        <input value={name} required maxLength={200} onInput={(e) => rename(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" disabled={action.busy || name.trim() === ''}>
        Create organization
      </button>
      {action.error ? <ProblemView error={action.error} /> : null}
    </form>
  )
}

interface ListProps {
  session: Session
  selected: string
  onSelect(id: string): void
}

function OrganizationList({ session, selected, onSelect }: ListProps) {
  const { loaded, reload } = useLoad(
    () => listAll<Organization>(session.api, '/admin/v1/organizations'),
    [selected],
  )
  const latest = useLatest(loaded)
  if (loaded.state === 'error') return <ProblemView error={loaded.error} onRetry={reload} />
  if (latest === null) return <Loading what="organizations" />
  const { items, more } = latest
  if (items.length === 0) return <p class="empty">No organization yet: create the first above.</p>
  return (
    <div class="table-wrap">
      <table class="stacked">
        <caption class="visually-hidden">Every organization of the platform</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Time zone</th>
            <th scope="col">MFA required</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((org) => (
            <tr key={org.id} aria-current={org.id === selected ? 'true' : undefined}>
              <th scope="row">{org.name}</th>
              <td data-label="Status">{org.status}</td>
              <td data-label="Time zone">{org.settings.timezone}</td>
              <td data-label="MFA required">{org.settings.mfa_required ? 'yes' : 'no'}</td>
              <td data-label="Created">{formatInstant(org.created_at)}</td>
              <td>
                <button type="button" aria-label={`Show ${org.name}`} onClick={() => onSelect(org.id)}>
                  Show
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? <p>Only the first {items.length} organizations are shown.</p> : null}
    </div>
  )
}

function OrganizationDetail({ session, id }: { session: Session; id: string }) {
  const { loaded, reload } = useLoad(
    () => session.api.get<Organization>(`/admin/v1/organizations/${id}`),
    [id],
  )
  const org = useLatest(loaded)
  if (loaded.state === 'error') return <ProblemView error={loaded.error} onRetry={reload} />
  if (org === null) return <Loading what="the organization" />
  return (
    <section aria-labelledby="org-detail">
      <h2 id="org-detail">{org.name}</h2>
      <p>
        Status: <strong>{org.status}</strong>
        {org.suspended_reason ? ` (${org.suspended_reason})` : ''} · created {formatInstant(org.created_at)} ·
        id <code>{org.id}</code>
      </p>
      <Lifecycle session={session} org={org} onChanged={reload} />
      <OrganizationSettings
        session={session}
        org={org}
        editable={session.can('organizations:update') && org.status !== 'closed'}
        onSaved={reload}
      />
    </section>
  )
}

function Lifecycle({ session, org, onChanged }: { session: Session; org: Organization; onChanged(): void }) {
  const [reason, setReason] = useState('')
  const action = useAction()
  const post = (verb: string, body: object) =>
    action.run(async () => {
      await session.api.send('POST', `/admin/v1/organizations/${org.id}/${verb}`, body)
      onChanged()
    })
  const canSuspend = session.can('organizations:suspend') && org.status === 'active'
  const canReactivate = session.can('organizations:reactivate') && org.status === 'suspended'
  const canClose = session.can('organizations:close') && org.status !== 'closed'
  if (!canSuspend && !canReactivate && !canClose) return null
  return (
    <div class="toolbar">
      {canSuspend ? (
        <form
          class="stack"
          aria-label="Suspend the organization"
          onSubmit={(event) => {
            event.preventDefault()
            void post('suspend', { reason: reason.trim() })
          }}
        >
          <label>
            Reason for suspending
            <input
              value={reason}
              required
              maxLength={500}
              onInput={(e) => setReason(e.currentTarget.value)}
            />
          </label>
          <button type="submit" disabled={action.busy || reason.trim() === ''}>
            Suspend
          </button>
        </form>
      ) : null}
      {canReactivate ? (
        <button type="button" disabled={action.busy} onClick={() => void post('reactivate', {})}>
          Reactivate
        </button>
      ) : null}
      {canClose ? (
        <ConfirmButton
          label="Close organization"
          question={`Close ${org.name}? Closing is final: it can then only be read.`}
          confirm="Yes, close it"
          disabled={action.busy}
          onConfirm={() => post('close', {})}
        />
      ) : null}
      {action.error ? <ProblemView error={action.error} /> : null}
    </div>
  )
}

import { useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { ConfirmButton } from '../ui/confirm-button.tsx'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { useLatest } from '../ui/use-latest.ts'
import { useLoad } from '../ui/use-load.ts'
import { listAll } from './all-pages.ts'
import { formatInstant } from './figures.ts'
import { InviteUser } from './invite-user.tsx'
import { ROLES, type Role, rolesIn } from './roles.ts'
import './pages.css'

// Users and roles of the organization being looked at: its members with their roles, changing
// them (members:update; the API never lets anyone hand out more than they hold), removing a member
// (members:delete), disabling a user (platform admins: users:update) and inviting one
// (invite-user.tsx).

export interface User {
  id: string
  email: string
  display_name: string
  status: 'active' | 'invited' | 'disabled'
  platform_admin: boolean
  created_at: string
  memberships: Array<{ organization_id: string; roles: Role[] }>
}

export function UsersPage({ session }: PageProps) {
  const org = session.organizationId
  const { loaded, reload } = useLoad(
    () => listAll<User>(session.api, '/admin/v1/users', { organization_id: org }),
    [org],
  )
  const latest = useLatest(loaded)
  return (
    <section>
      <h1>Users and roles</h1>
      {session.can('users:create') && session.can('members:update') ? (
        <InviteUser session={session} onInvited={reload} />
      ) : null}
      {latest === null && loaded.state === 'loading' ? <Loading what="members" /> : null}
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {latest !== null ? <Members session={session} users={latest.items} onChanged={reload} /> : null}
      {latest?.more ? <p>Only the first {latest.items.length} members are shown.</p> : null}
    </section>
  )
}

function Members({ session, users, onChanged }: { session: Session; users: User[]; onChanged(): void }) {
  if (users.length === 0) return <p class="empty">This organization has no member yet.</p>
  return (
    <div class="table-wrap">
      <table class="stacked">
        <caption class="visually-hidden">Members of the organization and their roles</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Roles</th>
            <th scope="col">Since</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <MemberRow key={user.id} session={session} user={user} onChanged={onChanged} />
          ))}
        </tbody>
      </table>
    </div>
  )
}

function MemberRow({ session, user, onChanged }: { session: Session; user: User; onChanged(): void }) {
  const org = session.organizationId
  const [editing, setEditing] = useState(false)
  const action = useAction()
  const roles = rolesIn(user, org)
  const run = (method: 'DELETE' | 'PATCH', path: string, body?: object) =>
    action.run(async () => {
      await session.api.send(method, path, body)
      onChanged()
    })
  const who = user.display_name || user.email
  return (
    <tr>
      <th scope="row">
        {user.display_name}
        {user.platform_admin ? ' (platform admin)' : ''}
      </th>
      <td data-label="Email">{user.email}</td>
      <td data-label="Status">{user.status}</td>
      <td data-label="Roles">
        {editing ? (
          <RoleEditor
            session={session}
            user={user}
            roles={roles}
            onDone={() => setEditing(false)}
            onSaved={onChanged}
          />
        ) : (
          roles.join(', ') || '—'
        )}
      </td>
      <td data-label="Since">{formatInstant(user.created_at)}</td>
      <td class="actions">
        {session.can('members:update') && !editing ? (
          <button type="button" aria-label={`Change roles of ${who}`} onClick={() => setEditing(true)}>
            Change roles
          </button>
        ) : null}{' '}
        {session.can('members:delete') ? (
          <ConfirmButton
            label="Remove"
            ariaLabel={`Remove ${who} from the organization`}
            question={`Remove ${who} from this organization?`}
            confirm="Yes, remove"
            disabled={action.busy}
            onConfirm={() => run('DELETE', `/admin/v1/organizations/${org}/members/${user.id}`)}
          />
        ) : null}{' '}
        {session.can('users:update') && user.status !== 'disabled' ? (
          <ConfirmButton
            label="Disable"
            ariaLabel={`Disable ${who}`}
            question={`Disable ${who}? They can no longer sign in anywhere; this is final.`}
            confirm="Yes, disable"
            disabled={action.busy}
            onConfirm={() => run('PATCH', `/admin/v1/users/${user.id}`, { status: 'disabled' })}
          />
        ) : null}
        {action.error ? <ProblemView error={action.error} /> : null}
      </td>
    </tr>
  )
}

interface RoleEditorProps {
  session: Session
  user: User
  roles: Role[]
  onDone(): void
  onSaved(): void
}

function RoleEditor({ session, user, roles, onDone, onSaved }: RoleEditorProps) {
  const [chosen, setChosen] = useState<Role[]>(roles)
  const action = useAction()
  const toggle = (role: Role, on: boolean) =>
    setChosen(on ? [...chosen, role] : chosen.filter((held) => held !== role))
  const save = (event: Event) => {
    event.preventDefault()
    void action.run(async () => {
      const path = `/admin/v1/organizations/${session.organizationId}/members/${user.id}`
      await session.api.send('PUT', path, { roles: ROLES.filter((role) => chosen.includes(role)) })
      onDone()
      onSaved()
    })
  }
  return (
    <form onSubmit={save}>
      <fieldset>
        <legend>Roles of {user.display_name || user.email}</legend>
        {ROLES.map((role) => (
          <label class="inline" key={role}>
            <input
              type="checkbox"
              checked={chosen.includes(role)}
              onChange={(e) => toggle(role, e.currentTarget.checked)}
            />
            {role}
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={action.busy}>
        Save roles
      </button>{' '}
      <button type="button" onClick={onDone}>
        Cancel
      </button>
      {action.error ? <ProblemView error={action.error} /> : null}
    </form>
  )
}

import { useState } from 'preact/hooks'
import { loadConfig } from '../auth/config.ts'
import type { Session } from '../contract.ts'
import { ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { invitationLink } from './invitation-link.ts'
import { ROLES, type Role } from './roles.ts'

// Inviting a person: create the user as invited (users:create, platform admins), give them roles
// here (members:update), then issue the invitation and show its link once: only its hash is kept
// (docs/security.md), so a lost link means issuing another, which replaces it.

interface Invitation {
  token: string
  expires_at: string
}

export function InviteUser({ session, onInvited }: { session: Session; onInvited(): void }) {
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [roles, setRoles] = useState<Role[]>(['member'])
  const [link, setLink] = useState<{ email: string; url: string; expires: string } | null>(null)
  const action = useAction()
  const submit = (event: Event) => {
    event.preventDefault()
    void action.run(async () => {
      // The issuer may live elsewhere than the admin API (AIAAS_ISSUER_URL): the console's own
      // configuration names it. Read first: a token issued must never be lost for want of it.
      const { issuer } = await loadConfig('/console/')
      const user = await session.api.send<{ id: string }>('POST', '/admin/v1/users', {
        email: email.trim(),
        display_name: name.trim(),
        invite: true,
      })
      const membership = `/admin/v1/organizations/${session.organizationId}/members/${user.id}`
      await session.api.send('PUT', membership, { roles })
      const invitation = await session.api.send<Invitation>('POST', `/admin/v1/users/${user.id}/invitation`)
      setLink({
        email: email.trim(),
        url: invitationLink(issuer, invitation.token),
        expires: invitation.expires_at,
      })
      setEmail('')
      setName('')
      onInvited()
    })
  }
  const toggle = (role: Role, on: boolean) =>
    setRoles(on ? [...roles, role] : roles.filter((r) => r !== role))
  return (
    <>
      <form class="stack" aria-labelledby="invite-title" onSubmit={submit}>
        <h2 id="invite-title">Invite a person</h2>
        <label>
          Email
          <input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Name
          <input required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Roles in this organization</legend>
          {ROLES.map((role) => (
            <label class="inline" key={role}>
              <input
                type="checkbox"
                checked={roles.includes(role)}
                onChange={(e) => toggle(role, e.currentTarget.checked)}
              />
              {role}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="primary" disabled={action.busy || roles.length === 0}>
          Invite
        </button>
      </form>
      {action.error ? <ProblemView error={action.error} /> : null}
      {link ? (
        <div class="notice" role="status">
          <p>
            Send this link to {link.email}. It is shown only now and works once, until {link.expires}:
          </p>
          <p class="secret">
            <a href={link.url}>{link.url}</a>
          </p>
          <button type="button" onClick={() => setLink(null)}>
            I have sent it
          </button>
        </div>
      ) : null}
    </>
  )
}

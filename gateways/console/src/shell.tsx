import { useEffect, useState } from 'preact/hooks'
import type { PageDef, Session } from './contract.ts'
import { findPage, routeHash } from './routing.ts'
import { allowedPages } from './session.ts'
import { useHashRoute } from './ui/use-hash.ts'

// The frame around every page: a skip link, the header (organization switcher, the user, sign
// out), the navigation built from the page registry (a menu button on narrow screens), and the
// page in <main>. Pages the user's roles do not allow are left out of the navigation.

interface ShellProps {
  session: Session
  pages: readonly PageDef[]
  onSwitch(organizationId: string): void
  onSignOut(): void
}

export function Shell({ session, pages, onSwitch, onSignOut }: ShellProps) {
  const route = useHashRoute()
  const [menuOpen, setMenuOpen] = useState(false)
  const visible = allowedPages(pages, session)
  const page = findPage(visible, route.path)
  useEffect(() => {
    setMenuOpen(false)
    if (page) document.title = `${page.title} · AIaaS console`
  }, [page])
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">AIaaS console</span>
        <button
          type="button"
          class="menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <OrganizationSwitcher session={session} onSwitch={onSwitch} />
        <span class="who">{session.user.email || session.user.id}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav id="nav" aria-label="Main" class={menuOpen ? 'open' : ''}>
        <ul>
          {visible.map((item) => (
            <li key={item.path}>
              <a href={routeHash(item.path)} aria-current={item === page ? 'page' : undefined}>
                {item.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {page ? (
          <page.Component
            key={`${page.path}:${session.organizationId}`}
            session={session}
            params={route.params}
          />
        ) : (
          <NotFound empty={visible.length === 0} />
        )}
      </main>
    </>
  )
}

function OrganizationSwitcher({ session, onSwitch }: Pick<ShellProps, 'session' | 'onSwitch'>) {
  if (session.organizations.length === 0) return <span class="org">No organization</span>
  return (
    <label class="org">
      <span>Organization</span>
      <select value={session.organizationId} onChange={(event) => onSwitch(event.currentTarget.value)}>
        {session.organizations.map((org) => (
          <option key={org.id} value={org.id}>
            {org.name}
          </option>
        ))}
      </select>
    </label>
  )
}

function NotFound({ empty }: { empty: boolean }) {
  return (
    <section>
      <h1>{empty ? 'Nothing to show' : 'No such page'}</h1>
      <p>
        {empty
          ? 'Your roles in this organization give you no page of the console. Ask an organization owner for a role.'
          : 'Pick a page in the navigation.'}
      </p>
    </section>
  )
}

import { useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { SecretOnce } from '../ui/secret-once.tsx'
import { useLoad } from '../ui/use-load.ts'
import { CreateKeyForm } from './key-create.tsx'

// #/keys: the organization's API keys; create (the secret shown once), rotate (the new secret shown
// once), revoke after a confirmation. Buttons the user's roles do not allow are not shown; the API
// refuses them anyway.

export interface KeyRow {
  id: string
  name: string
  key_prefix: string
  status: 'active' | 'revoked'
  rpm_limit: number | null
  tpm_limit: number | null
  allowed_models: string[] | null
  expires_at: string | null
  created_at: string
}

interface KeyList {
  data: KeyRow[]
  next_cursor: string | null
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—')

export function KeysPage({ session }: PageProps) {
  const [shown, setShown] = useState<{ title: string; secret: string } | null>(null)
  const { loaded, reload } = useLoad(() => listAll(session), [session.organizationId])
  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      {shown ? <SecretOnce {...shown} onDone={() => setShown(null)} /> : null}
      {session.can('api_keys:create') ? (
        <CreateKeyForm
          session={session}
          onIssued={(key) => {
            setShown({ title: `Key “${key.name}” created`, secret: key.key })
            reload()
          }}
        />
      ) : null}
      {loaded.state === 'loading' ? <Loading what="the keys" /> : null}
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {loaded.state === 'ready' ? (
        <KeyTable keys={loaded.data} session={session} onSecret={setShown} onChanged={reload} />
      ) : null}
    </section>
  )
}

/** Every page of the list: an organization has tens of keys, not thousands. */
async function listAll(session: Session): Promise<KeyRow[]> {
  const rows: KeyRow[] = []
  let cursor: string | undefined
  do {
    const query = { organization_id: session.organizationId, limit: 100, cursor }
    const page = await session.api.get<KeyList>('/admin/v1/api-keys', query)
    rows.push(...page.data)
    cursor = page.next_cursor ?? undefined
  } while (cursor)
  return rows
}

interface TableProps {
  keys: KeyRow[]
  session: Session
  onSecret(shown: { title: string; secret: string }): void
  onChanged(): void
}

function KeyTable({ keys, session, onSecret, onChanged }: TableProps) {
  if (keys.length === 0) return <p>No keys yet in this organization.</p>
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">API keys of the organization</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Status</th>
            <th scope="col">Limits</th>
            <th scope="col">Models</th>
            <th scope="col">Expires</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-key-id={key.id}>
              <th scope="row">{key.name}</th>
              <td>
                <code>{key.key_prefix}</code>
              </td>
              <td>{key.status}</td>
              <td>{limits(key)}</td>
              <td>{key.allowed_models?.join(', ') ?? 'all'}</td>
              <td>{day(key.expires_at)}</td>
              <td>{day(key.created_at)}</td>
              <td>
                {key.status === 'active' ? (
                  <KeyActions apiKey={key} session={session} onSecret={onSecret} onChanged={onChanged} />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const limits = (key: KeyRow) =>
  [key.rpm_limit ? `${key.rpm_limit} RPM` : '', key.tpm_limit ? `${key.tpm_limit} TPM` : '']
    .filter(Boolean)
    .join(', ') || 'organization’s'

interface ActionProps {
  apiKey: KeyRow
  session: Session
  onSecret(shown: { title: string; secret: string }): void
  onChanged(): void
}

function KeyActions({ apiKey, session, onSecret, onChanged }: ActionProps) {
  const [confirming, setConfirming] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const act = async (work: () => Promise<void>) => {
    setBusy(true)
    setError(null)
    try {
      await work()
      onChanged()
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
      setConfirming(false)
    }
  }
  const headers = () => ({ 'idempotency-key': crypto.randomUUID() })
  const rotate = () =>
    act(async () => {
      const path = `/admin/v1/api-keys/${apiKey.id}/rotate`
      const rotated = await session.api.send<{ key: string }>('POST', path, { grace_seconds: 0 }, headers())
      onSecret({ title: `Key “${apiKey.name}” rotated: the old secret no longer works`, secret: rotated.key })
    })
  const revoke = () =>
    act(async () => {
      await session.api.send('POST', `/admin/v1/api-keys/${apiKey.id}/revoke`, undefined, headers())
    })
  return (
    <div class="toolbar row-actions">
      {session.can('api_keys:rotate') ? (
        <button type="button" onClick={rotate} disabled={busy} aria-label={`Rotate ${apiKey.name}`}>
          Rotate
        </button>
      ) : null}
      {session.can('api_keys:revoke') && !confirming ? (
        <button
          type="button"
          onClick={() => setConfirming(true)}
          disabled={busy}
          aria-label={`Revoke ${apiKey.name}`}
        >
          Revoke
        </button>
      ) : null}
      {confirming ? (
        <fieldset class="confirm">
          <legend class="visually-hidden">Confirm revoking {apiKey.name}</legend>
          Requests with this key will be refused at once.{' '}
          <button type="button" class="danger" onClick={revoke} disabled={busy}>
            Yes, revoke {apiKey.name}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </fieldset>
      ) : null}
      {error ? <ProblemView error={error} /> : null}
    </div>
  )
}

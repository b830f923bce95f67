import { useState } from 'preact/hooks'
import type { Session } from '../contract.ts'
import { ProblemView } from '../ui/problem.tsx'
import { type KeyFormFields, keyBody } from './key-form.ts'

export interface IssuedKey {
  id: string
  name: string
  key: string
}

const EMPTY: KeyFormFields = { name: '', rpm: '', tpm: '', models: '', expires: '' }

/** The form that issues a key; `onIssued` gets the key with its secret (shown once by the page). */
export function CreateKeyForm({ session, onIssued }: { session: Session; onIssued(key: IssuedKey): void }) {
  const [fields, setFields] = useState(EMPTY)
  const [invalid, setInvalid] = useState<{ field: keyof KeyFormFields; message: string } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const set = (field: keyof KeyFormFields) => (event: Event) =>
    setFields({ ...fields, [field]: (event.currentTarget as HTMLInputElement).value })
  const submit = async (event: Event) => {
    event.preventDefault()
    const checked = keyBody(session.organizationId, fields, new Date())
    setInvalid(checked.ok ? null : checked)
    setError(null)
    if (!checked.ok) return
    setBusy(true)
    try {
      // A retried click must not issue two keys: one Idempotency-Key per submission.
      const headers = { 'idempotency-key': crypto.randomUUID() }
      const issued = await session.api.send<IssuedKey>('POST', '/admin/v1/api-keys', checked.body, headers)
      setFields(EMPTY)
      onIssued(issued)
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }
  const field = (name: keyof KeyFormFields, label: string, extra: Record<string, string> = {}) => (
    <label>
      {label}
      <input
        name={name}
        value={fields[name]}
        onInput={set(name)}
        aria-invalid={invalid?.field === name ? 'true' : undefined}
        aria-describedby={invalid?.field === name ? 'key-form-error' : undefined}
        {...extra}
      />
    </label>
  )
  return (
    <form class="stack" onSubmit={submit} aria-labelledby="create-key-title" noValidate>
      <h2 id="create-key-title" class="full-row">
        Create a key
      </h2>
      {field('name', 'Name', { required: 'true', maxLength: '200' })}
      {field('rpm', 'Requests per minute (optional)', { inputMode: 'numeric' })}
      {field('tpm', 'Tokens per minute (optional)', { inputMode: 'numeric' })}
      {field('models', 'Allowed models (optional, comma-separated)')}
      {field('expires', 'Expires on (optional)', { type: 'date' })}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
      {invalid ? (
        <p id="key-form-error" role="alert" class="problem full-row">
          {invalid.message}
        </p>
      ) : null}
      {error ? <ProblemView error={error} /> : null}
    </form>
  )
}

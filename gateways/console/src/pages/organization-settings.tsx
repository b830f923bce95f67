import { useState } from 'preact/hooks'
import type { Session } from '../contract.ts'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { formOf, type SettingsForm, settingsPatch } from './org-settings.ts'
import type { Organization } from './organizations.tsx'

// An organization's settings: time zone, MFA, per-minute limits, what the router does when the
// spend ledger is down, and the budget alert webhook. Read-only without organizations:update.

interface Props {
  session: Session
  org: Organization
  editable: boolean
  onSaved(): void
}

export function OrganizationSettings({ session, org, editable, onSaved }: Props) {
  const [form, setForm] = useState<SettingsForm>(() => formOf(org.settings))
  const [invalid, setInvalid] = useState<string | null>(null)
  const [saved, setSaved] = useState(false)
  const action = useAction()
  const set = (patch: Partial<SettingsForm>) => {
    setSaved(false)
    setForm({ ...form, ...patch })
  }
  const submit = (event: Event) => {
    event.preventDefault()
    const result = settingsPatch(org.settings, form)
    if (!result.ok) return setInvalid(result.error)
    setInvalid(null)
    if (Object.keys(result.patch).length === 0) return setSaved(true)
    void action.run(async () => {
      await session.api.send('PATCH', `/admin/v1/organizations/${org.id}`, { settings: result.patch })
      setSaved(true)
      onSaved()
    })
  }
  return (
    <form class="stack" aria-labelledby="org-settings" onSubmit={submit}>
      <h3 id="org-settings">Settings</h3>
      <fieldset class="contents" disabled={!editable}>
        <label>
          Time zone (budget periods)
          <input value={form.timezone} required onInput={(e) => set({ timezone: e.currentTarget.value })} />
        </label>
        <label>
          Requests per minute (empty: none)
          <input
            inputMode="numeric"
            value={form.rpm_limit}
            onInput={(e) => set({ rpm_limit: e.currentTarget.value })}
          />
        </label>
        <label>
          Tokens per minute (empty: none)
          <input
            inputMode="numeric"
            value={form.tpm_limit}
            onInput={(e) => set({ tpm_limit: e.currentTarget.value })}
          />
        </label>
        <label>
          Budget alert webhook URL (empty: none)
          <input
            type="url"
            value={form.budget_alert_webhook_url}
            onInput={(e) => set({ budget_alert_webhook_url: e.currentTarget.value })}
          />
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={form.mfa_required}
            onChange={(e) => set({ mfa_required: e.currentTarget.checked })}
          />
          Members must sign in with a second factor (TOTP)
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={form.limits_fail_open}
            onChange={(e) => set({ limits_fail_open: e.currentTarget.checked })}
          />
          Admit requests without limits when the spend ledger is down (else refuse with 503)
        </label>
        {editable ? (
          <button type="submit" class="primary" disabled={action.busy}>
            Save settings
          </button>
        ) : (
          <p>You may read these settings; an organization owner changes them.</p>
        )}
      </fieldset>
      {action.busy ? <Loading what="the saved settings" /> : null}
      {invalid ? (
        <p class="problem" role="alert">
          {invalid}
        </p>
      ) : null}
      {saved && !action.error ? (
        <p class="notice" role="status">
          Settings saved.
        </p>
      ) : null}
      {action.error ? <ProblemView error={action.error} /> : null}
    </form>
  )
}

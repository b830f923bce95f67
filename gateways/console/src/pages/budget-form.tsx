import { useState } from 'preact/hooks'
import type { Session } from '../contract.ts'
import { ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { parseThresholds, thresholdsText } from './budget-bar.ts'
import { budgetableKeys, type KeyName } from './budget-scope.ts'
import type { Budget } from './budgets.tsx'

// Creating a budget (scope, period, limit, enforcement, thresholds) or changing one's terms (scope
// and period never change: the API takes only limit, enforcement and thresholds on PATCH).

interface Props {
  session: Session
  /** Absent: a new budget. */
  budget?: Budget
  /** The organization's keys to pick from; null: the key is typed by its id. */
  keys?: KeyName[] | null
  onSaved(): void
  onDone?(): void
}

export function BudgetForm({ session, budget, keys = null, onSaved, onDone }: Props) {
  const [apiKeyId, setApiKeyId] = useState('')
  const [period, setPeriod] = useState<Budget['period']>('monthly')
  const [limit, setLimit] = useState(budget?.limit_usd ?? '')
  const [enforcement, setEnforcement] = useState<Budget['enforcement']>(budget?.enforcement ?? 'hard')
  const [thresholds, setThresholds] = useState(thresholdsText(budget?.alert_thresholds ?? [0.5, 0.8, 1]))
  const [invalid, setInvalid] = useState<string | null>(null)
  const action = useAction()
  const id = budget ? `budget-${budget.id}` : 'budget-new'
  const submit = (event: Event) => {
    event.preventDefault()
    const parsed = parseThresholds(thresholds)
    if (!parsed.ok) return setInvalid(`Alert thresholds: ${parsed.error}`)
    setInvalid(null)
    const terms = { limit_usd: limit.trim(), enforcement, alert_thresholds: parsed.value }
    void action.run(async () => {
      if (budget) await session.api.send('PATCH', `/admin/v1/budgets/${budget.id}`, terms)
      else
        await session.api.send('POST', '/admin/v1/budgets', {
          organization_id: session.organizationId,
          api_key_id: apiKeyId.trim() === '' ? null : apiKeyId.trim(),
          period,
          ...terms,
        })
      if (!budget) setLimit('')
      onDone?.()
      onSaved()
    })
  }
  return (
    <form class="stack" aria-labelledby={`${id}-title`} onSubmit={submit}>
      <h2 id={`${id}-title`} class={budget ? 'visually-hidden' : ''}>
        {budget ? `Change the ${budget.period} budget` : 'New budget'}
      </h2>
      {budget ? null : (
        <>
          {keys === null ? (
            <label>
              API key id (empty: the whole organization)
              <input value={apiKeyId} onInput={(e) => setApiKeyId(e.currentTarget.value)} />
            </label>
          ) : (
            <label>
              Scope
              <select value={apiKeyId} onChange={(e) => setApiKeyId(e.currentTarget.value)}>
                <option value="">Whole organization</option>
                {budgetableKeys(keys).map((key) => (
                  <option key={key.id} value={key.id}>
                    API key {key.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label>
            Period
            <select value={period} onChange={(e) => setPeriod(e.currentTarget.value as Budget['period'])}>
              <option value="daily">daily</option>
              <option value="monthly">monthly</option>
              <option value="total">total (never resets)</option>
            </select>
          </label>
        </>
      )}
      <label>
        Limit (USD)
        <input inputMode="decimal" required value={limit} onInput={(e) => setLimit(e.currentTarget.value)} />
      </label>
      <label>
        Enforcement
        <select
          value={enforcement}
          onChange={(e) => setEnforcement(e.currentTarget.value as Budget['enforcement'])}
        >
          <option value="hard">hard: refuse requests over the limit</option>
          <option value="soft">soft: alert only</option>
        </select>
      </label>
      <label>
        Alert thresholds (% of the limit)
        <input value={thresholds} onInput={(e) => setThresholds(e.currentTarget.value)} />
      </label>
      <button type="submit" class="primary" disabled={action.busy || limit.trim() === ''}>
        {budget ? 'Save budget' : 'Create budget'}
      </button>
      {onDone ? (
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      ) : null}
      {invalid ? (
        <p class="problem" role="alert">
          {invalid}
        </p>
      ) : null}
      {action.error ? <ProblemView error={action.error} /> : null}
    </form>
  )
}

import { useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { ConfirmButton } from '../ui/confirm-button.tsx'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { useLatest } from '../ui/use-latest.ts'
import { useLoad } from '../ui/use-load.ts'
import { listAll } from './all-pages.ts'
import type { BudgetSpend } from './budget-bar.ts'
import { resetText } from './budget-bar.ts'
import { BudgetForm } from './budget-form.tsx'
import { type KeyName, scopeName } from './budget-scope.ts'
import { formatUsd } from './figures.ts'
import { SpendBar } from './spend-bar.tsx'
import './pages.css'

// Budgets of the organization: each with its spend this period as a bar against the limit (from
// /analytics/v1/spend, when the user may read analytics), its thresholds marked on the bar, hard or
// soft, its period and when it resets; create, change and delete them (budgets:* actions).

export interface Budget {
  id: string
  api_key_id: string | null
  limit_usd: string
  period: 'daily' | 'monthly' | 'total'
  enforcement: 'hard' | 'soft'
  alert_thresholds: number[]
}

interface Loaded {
  budgets: Budget[]
  more: boolean
  spend: Map<string, BudgetSpend> | null
  /** The organization's keys, when the person may list them (to name and pick them). */
  keys: KeyName[] | null
}

async function load(session: Session): Promise<Loaded> {
  const org = session.organizationId
  const readsSpend = session.can('analytics:read')
  const [list, spend, keys] = await Promise.all([
    listAll<Budget>(session.api, '/admin/v1/budgets', { organization_id: org }),
    readsSpend
      ? session.api.get<{ data: BudgetSpend[] }>('/analytics/v1/spend', {
          organization_id: org,
          period: 'current',
        })
      : Promise.resolve(null),
    session.can('api_keys:list')
      ? listAll<KeyName>(session.api, '/admin/v1/api-keys', { organization_id: org })
      : Promise.resolve(null),
  ])
  const byId = spend ? new Map(spend.data.map((line) => [line.budget_id, line])) : null
  return { budgets: list.items, more: list.more, spend: byId, keys: keys?.items ?? null }
}

export function BudgetsPage({ session }: PageProps) {
  const { loaded, reload } = useLoad(() => load(session), [session.organizationId])
  const latest = useLatest(loaded)
  return (
    <section>
      <h1>Budgets</h1>
      {session.can('budgets:create') ? (
        <BudgetForm session={session} keys={latest?.keys ?? null} onSaved={reload} />
      ) : null}
      {latest === null && loaded.state === 'loading' ? <Loading what="budgets" /> : null}
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {latest !== null ? <BudgetTable session={session} data={latest} onChanged={reload} /> : null}
    </section>
  )
}

function BudgetTable({ session, data, onChanged }: { session: Session; data: Loaded; onChanged(): void }) {
  if (data.budgets.length === 0)
    return <p class="empty">No budget: this organization's spend is not limited.</p>
  return (
    <>
      {data.spend === null ? (
        <p>Spend is shown to roles that may read analytics (owner, billing admin, analyst).</p>
      ) : null}
      <div class="table-wrap">
        <table class="stacked">
          <caption class="visually-hidden">Budgets and their spend this period</caption>
          <thead>
            <tr>
              <th scope="col">Scope</th>
              <th scope="col">Period</th>
              <th scope="col">Enforcement</th>
              <th scope="col" class="number">
                Limit
              </th>
              <th scope="col">Spend this period</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.budgets.map((budget) => (
              <BudgetRow
                key={budget.id}
                session={session}
                budget={budget}
                spend={data.spend?.get(budget.id)}
                keys={data.keys}
                onChanged={onChanged}
              />
            ))}
          </tbody>
        </table>
      </div>
      {data.more ? <p>Only the first {data.budgets.length} budgets are shown.</p> : null}
    </>
  )
}

interface RowProps {
  session: Session
  budget: Budget
  spend: BudgetSpend | undefined
  keys: KeyName[] | null
  onChanged(): void
}

function BudgetRow({ session, budget, spend, keys, onChanged }: RowProps) {
  const [editing, setEditing] = useState(false)
  const action = useAction()
  const scope = scopeName(budget.api_key_id, keys)
  const remove = () =>
    action.run(async () => {
      await session.api.send('DELETE', `/admin/v1/budgets/${budget.id}`)
      onChanged()
    })
  return (
    <tr>
      <th scope="row">{scope}</th>
      <td data-label="Period">
        {budget.period}
        {spend ? <div class="muted">{resetText(spend.resets_at)}</div> : null}
      </td>
      <td data-label="Enforcement">
        {budget.enforcement === 'hard' ? 'hard (refuses)' : 'soft (alerts only)'}
      </td>
      <td data-label="Limit" class="number">
        {formatUsd(budget.limit_usd)}
      </td>
      <td data-label="Spend this period">
        {spend ? <SpendBar spend={spend} thresholds={budget.alert_thresholds} /> : '—'}
      </td>
      <td class="actions">
        {editing ? (
          <BudgetForm
            session={session}
            budget={budget}
            onSaved={onChanged}
            onDone={() => setEditing(false)}
          />
        ) : null}
        {session.can('budgets:update') && !editing ? (
          <button
            type="button"
            aria-label={`Change the ${budget.period} budget of ${scope}`}
            onClick={() => setEditing(true)}
          >
            Change
          </button>
        ) : null}{' '}
        {session.can('budgets:delete') ? (
          <ConfirmButton
            label="Delete"
            ariaLabel={`Delete the ${budget.period} budget of ${scope}`}
            question={`Delete the ${budget.period} budget of ${scope}? Its spend is no longer limited.`}
            confirm="Yes, delete"
            disabled={action.busy}
            onConfirm={remove}
          />
        ) : null}
        {action.error ? <ProblemView error={action.error} /> : null}
      </td>
    </tr>
  )
}

import { useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { ConfirmButton } from '../ui/confirm-button.tsx'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { useLatest } from '../ui/use-latest.ts'
import { useLoad } from '../ui/use-load.ts'
import { listAll } from './all-pages.ts'
import { healthOf, healthPath, healthText, type ModelHealth } from './backend-health.ts'
import { formatMs, formatUsd } from './figures.ts'
import './pages.css'

// The model catalogue (platform admins: models:*): each model's prices, limits and strategy, and
// its backends as the catalogue holds them, each with its circuit as the routers share it
// (GET /admin/v1/models/{name}/health: closed, or open with the cooldown left). Half-open trials
// and one router's own view are not on the shared board: the per-replica metric
// aiaas_router_backend_state has them (docs/routing.md).

interface Backend {
  url: string
  provider: string
  weight: number
  priority: number
  timeout_ms: number
  probe?: { path: string; interval_ms: number }
  api_key_set: boolean
  api_key_last4: string | null
}

export interface Model {
  name: string
  aliases: string[]
  input_price_per_million_usd: string
  output_price_per_million_usd: string
  max_output_tokens: number
  strategy: string
  rpm_limit: number | null
  tpm_limit: number | null
  backends: Backend[]
}

export function ModelsPage({ session }: PageProps) {
  const { loaded, reload } = useLoad(() => listAll<Model>(session.api, '/admin/v1/models'), [])
  const latest = useLatest(loaded)
  if (latest === null && loaded.state === 'loading') return <Loading what="models" />
  return (
    <section>
      <h1>Models, backends and prices</h1>
      <p class="muted">
        A backend's health is its circuit as the routers share it: open after failures in a row, skipped until
        its cooldown is over. One router's own view, half-open trials included, is the metric{' '}
        <code>aiaas_router_backend_state</code>.
      </p>
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {latest !== null && latest.items.length === 0 ? (
        <p class="empty">The catalogue is empty: models are added with POST /admin/v1/models.</p>
      ) : null}
      {latest !== null
        ? latest.items.map((model) => (
            <ModelCard key={model.name} session={session} model={model} onChanged={reload} />
          ))
        : null}
    </section>
  )
}

function ModelCard({ session, model, onChanged }: { session: Session; model: Model; onChanged(): void }) {
  const action = useAction()
  // Read when shown and on demand: a cooldown is a snapshot of the moment it was read.
  const health = useLoad(() => session.api.get<ModelHealth>(healthPath(model.name)), [model.name])
  const remove = () =>
    action.run(async () => {
      await session.api.send('DELETE', `/admin/v1/models/${encodeURIComponent(model.name)}`)
      onChanged()
    })
  return (
    <article aria-labelledby={`model-${model.name}`}>
      <h2 id={`model-${model.name}`}>{model.name}</h2>
      <dl class="facts">
        <dt>Aliases</dt>
        <dd>{model.aliases.join(', ') || '—'}</dd>
        <dt>Price per million tokens</dt>
        <dd>
          input {formatUsd(model.input_price_per_million_usd)}, output{' '}
          {formatUsd(model.output_price_per_million_usd)}
        </dd>
        <dt>Max output tokens</dt>
        <dd>{model.max_output_tokens}</dd>
        <dt>Routing strategy</dt>
        <dd>{model.strategy}</dd>
        <dt>Limits (all organizations)</dt>
        <dd>
          {model.rpm_limit ?? 'no'} requests / min, {model.tpm_limit ?? 'no'} tokens / min
        </dd>
      </dl>
      {session.can('models:update') ? (
        <PriceForm session={session} model={model} onSaved={onChanged} />
      ) : null}
      <BackendTable model={model} health={health} />
      {session.can('models:delete') ? (
        <ConfirmButton
          label="Delete model"
          ariaLabel={`Delete model ${model.name}`}
          question={`Delete ${model.name}? Requests for it fail from then on.`}
          confirm="Yes, delete"
          disabled={action.busy}
          onConfirm={remove}
        />
      ) : null}
      {action.error ? <ProblemView error={action.error} /> : null}
    </article>
  )
}

function BackendTable({ model, health }: { model: Model; health: ReturnType<typeof useLoad<ModelHealth>> }) {
  const { loaded, reload } = health
  const read = loaded.state === 'ready' ? loaded.data : null
  const unread = loaded.state === 'loading' ? 'reading…' : '—'
  return (
    <div class="table-wrap">
      <table class="stacked">
        <caption>Backends of {model.name}</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Provider</th>
            <th scope="col" class="number">
              Priority
            </th>
            <th scope="col" class="number">
              Weight
            </th>
            <th scope="col">Timeout</th>
            <th scope="col">Probe</th>
            <th scope="col">API key</th>
            <th scope="col">Health</th>
          </tr>
        </thead>
        <tbody>
          {model.backends.map((backend) => (
            <tr key={backend.url}>
              <th scope="row">{backend.url}</th>
              <td data-label="Provider">{backend.provider}</td>
              <td data-label="Priority" class="number">
                {backend.priority}
              </td>
              <td data-label="Weight" class="number">
                {backend.weight}
              </td>
              <td data-label="Timeout">{formatMs(backend.timeout_ms)}</td>
              <td data-label="Probe">
                {backend.probe
                  ? `${backend.probe.path} every ${formatMs(backend.probe.interval_ms)}`
                  : 'none'}
              </td>
              <td data-label="API key">
                {backend.api_key_set
                  ? `set${backend.api_key_last4 ? ` (…${backend.api_key_last4})` : ''}`
                  : 'none'}
              </td>
              <td data-label="Health">{read ? healthText(healthOf(read, backend.url)) : unread}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {loaded.state === 'ready' ? (
        <button type="button" onClick={reload}>
          Read health of {model.name} again
        </button>
      ) : null}
    </div>
  )
}

function PriceForm({ session, model, onSaved }: { session: Session; model: Model; onSaved(): void }) {
  const [input, setInput] = useState(model.input_price_per_million_usd)
  const [output, setOutput] = useState(model.output_price_per_million_usd)
  const action = useAction()
  const submit = (event: Event) => {
    event.preventDefault()
    void action.run(async () => {
      const body = { input_price_per_million_usd: input.trim(), output_price_per_million_usd: output.trim() }
      await session.api.send('PATCH', `/admin/v1/models/${encodeURIComponent(model.name)}`, body)
      onSaved()
    })
  }
  return (
    <form class="stack" aria-label={`Prices of ${model.name}`} onSubmit={submit}>
      <label>
        Input price per million tokens (USD)
        <input inputMode="decimal" required value={input} onInput={(e) => setInput(e.currentTarget.value)} />
      </label>
      <label>
        Output price per million tokens (USD)
        <input
          inputMode="decimal"
          required
          value={output}
          onInput={(e) => setOutput(e.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={action.busy}>
        Save prices
      </button>
      {action.error ? <ProblemView error={action.error} /> : null}
    </form>
  )
}

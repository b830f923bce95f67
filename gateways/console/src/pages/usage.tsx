import { useMemo } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { routeHash } from '../routing.ts'
import { Chart } from '../ui/chart.tsx'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useLoad } from '../ui/use-load.ts'
import {
  type Bucket,
  chartData,
  type GroupKey,
  groupOf,
  rangeFor,
  tableRows,
  type UsageRow,
} from './usage-data.ts'

// #/usage?bucket=hour&group=model: requests, tokens and spend over time from /analytics/v1/usage,
// one uPlot chart each, and the same rows in a table under them.

const BUCKETS: readonly Bucket[] = ['minute', 'hour', 'day']
const GROUPS: readonly { key: GroupKey; label: string }[] = [
  { key: 'model', label: 'Model' },
  { key: 'api_key', label: 'API key' },
  { key: 'backend', label: 'Backend' },
]
/** Pages read at most: 5 × 1,000 rows is more than a chart can show. */
const MAX_PAGES = 5

interface UsagePage {
  data: UsageRow[]
  next_cursor: string | null
  freshness?: { as_of?: string | null }
}

const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.includes(value as T) ? (value as T) : fallback

export function UsagePage({ session, params }: PageProps) {
  const bucket = pick(params.get('bucket'), BUCKETS, 'hour')
  const group = pick(
    params.get('group'),
    GROUPS.map((g) => g.key),
    'model',
  )
  const { loaded, reload } = useLoad(
    () => readUsage(session, bucket, group),
    [session.organizationId, bucket, group],
  )
  const go = (next: { bucket?: string; group?: string }) => {
    location.hash = routeHash('/usage', { bucket, group, ...next })
  }
  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      <div class="toolbar">
        <label>
          Bucket
          <select value={bucket} onChange={(event) => go({ bucket: event.currentTarget.value })}>
            {BUCKETS.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <label>
          Group by
          <select value={group} onChange={(event) => go({ group: event.currentTarget.value })}>
            {GROUPS.map((g) => (
              <option key={g.key} value={g.key}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {loaded.state === 'loading' ? <Loading what="usage" /> : null}
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {loaded.state === 'ready' ? <UsageView {...loaded.data} group={group} /> : null}
    </section>
  )
}

interface Read {
  rows: UsageRow[]
  period: [number, number]
  /** API keys' names by id, when grouped by key and the keys may be listed. */
  names: ReadonlyMap<string, string>
}

/** The organization's key names (its first 100 keys): labels for usage grouped by key. */
async function keyNames(session: Session): Promise<Map<string, string>> {
  if (!session.can('api_keys:list')) return new Map()
  const query = { organization_id: session.organizationId, limit: 100 }
  const list = await session.api
    .get<{ data: { id: string; name: string }[] }>('/admin/v1/api-keys', query)
    .catch(() => ({ data: [] }))
  return new Map(list.data.map((key) => [key.id, key.name]))
}

async function readUsage(session: Session, bucket: Bucket, group: GroupKey): Promise<Read> {
  const range = rangeFor(bucket, new Date())
  const rows: UsageRow[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = {
      organization_id: session.organizationId,
      granularity: bucket,
      group_by: group,
      limit: 1000,
      cursor,
    }
    const answer = await session.api.get<UsagePage>('/analytics/v1/usage', { ...range, ...query })
    rows.push(...answer.data)
    cursor = answer.next_cursor ?? undefined
    if (!cursor) break
  }
  const names = group === 'api_key' ? await keyNames(session) : new Map<string, string>()
  return { rows, names, period: [Date.parse(range.from) / 1000, Date.parse(range.to) / 1000] }
}

function UsageView({ rows, period, names, group }: Read & { group: GroupKey }) {
  const charts = useMemo(
    () => ({
      requests: chartData(rows, 'requests', group, names),
      tokens: chartData(rows, 'tokens', group, names),
      spend: chartData(rows, 'spend', group, names),
    }),
    [rows, group, names],
  )
  if (rows.length === 0) return <p role="status">No usage in this period yet.</p>
  const label = GROUPS.find((g) => g.key === group)?.label ?? group
  return (
    <>
      <Chart title="Requests" data={charts.requests} unit="requests" period={period} />
      <Chart title="Tokens (input + output)" data={charts.tokens} unit="tokens" period={period} />
      <Chart title="Spend (USD)" data={charts.spend} unit="USD" period={period} />
      <div class="table-wrap">
        <table id="usage-table">
          <caption>Usage by bucket and {label.toLowerCase()} (the numbers of the charts)</caption>
          <thead>
            <tr>
              <th scope="col">Bucket start (UTC)</th>
              <th scope="col">{label}</th>
              <th scope="col" class="number">
                Requests
              </th>
              <th scope="col" class="number">
                Errors
              </th>
              <th scope="col" class="number">
                Input tokens
              </th>
              <th scope="col" class="number">
                Output tokens
              </th>
              <th scope="col" class="number">
                Spend (USD)
              </th>
            </tr>
          </thead>
          <tbody>
            {tableRows(rows, group).map((row) => (
              <tr key={`${row.bucket_start}:${groupOf(row, group)}`}>
                <td>{row.bucket_start.replace('T', ' ').replace(/:00(\.000)?Z$/, '')}</td>
                <th scope="row">
                  <GroupName value={groupOf(row, group)} names={names} />
                </th>
                <td class="number">{row.requests}</td>
                <td class="number">{row.errors}</td>
                <td class="number">{row.input_tokens}</td>
                <td class="number">{row.output_tokens}</td>
                <td class="number">{row.cost_usd}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

/** A key's name with its id under it; any other group value as it is. */
function GroupName({ value, names }: { value: string; names: ReadonlyMap<string, string> }) {
  const name = names.get(value)
  if (!name) return <>{value}</>
  return (
    <>
      {name}
      <span class="id">{value}</span>
    </>
  )
}

import { useMemo, useState } from 'preact/hooks'
import type { PageProps, Session } from '../contract.ts'
import { Chart } from '../ui/chart.tsx'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useLoad } from '../ui/use-load.ts'
import { collectPages, type ListPage } from './all-pages.ts'
import { formatCount, formatInstant, formatMs, formatPercent } from './figures.ts'
import './pages.css'
import {
  buildSeries,
  type GroupBy,
  groupName,
  isRangeName,
  METRICS,
  type Metric,
  RANGES,
  type RangeName,
  type ReliabilityRow,
  reliabilityQuery,
  tableOrder,
} from './reliability-series.ts'

// Reliability of the organization's traffic (analytics:read): error rate, latency and time to
// first byte percentiles by model and/or backend over time, from /analytics/v1/reliability, as a
// uPlot chart of one measure and a table of every number.

const GROUPS: Record<GroupBy, string> = {
  model: 'Model',
  backend: 'Backend',
  'model,backend': 'Model and backend',
}

async function load(session: Session, range: RangeName, groupBy: GroupBy) {
  const query = reliabilityQuery(session.organizationId, range, groupBy, new Date())
  const { items, more } = await collectPages<ReliabilityRow>(
    (cursor) => session.api.get<ListPage<ReliabilityRow>>('/analytics/v1/reliability', { ...query, cursor }),
    5,
  )
  const span: [number, number] = [Date.parse(query.from) / 1000, Date.parse(query.to) / 1000]
  return { items, more, span }
}

export function ReliabilityPage({ session, params }: PageProps) {
  const [range, setRange] = useState<RangeName>(() => {
    const wanted = params.get('range')
    return isRangeName(wanted) ? wanted : 'day'
  })
  const [groupBy, setGroupBy] = useState<GroupBy>('model')
  const [metric, setMetric] = useState<Metric>('error_rate')
  const { loaded, reload } = useLoad(
    () => load(session, range, groupBy),
    [session.organizationId, range, groupBy],
  )
  return (
    <section>
      <h1>Reliability</h1>
      <form class="toolbar" aria-label="What to show" onSubmit={(e) => e.preventDefault()}>
        <label>
          Range
          <select value={range} onChange={(e) => setRange(e.currentTarget.value as RangeName)}>
            {Object.entries(RANGES).map(([name, preset]) => (
              <option key={name} value={name}>
                {preset.label} (by {preset.granularity})
              </option>
            ))}
          </select>
        </label>
        <label>
          Group by
          <select value={groupBy} onChange={(e) => setGroupBy(e.currentTarget.value as GroupBy)}>
            {Object.entries(GROUPS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Chart
          <select value={metric} onChange={(e) => setMetric(e.currentTarget.value as Metric)}>
            {Object.entries(METRICS).map(([value, m]) => (
              <option key={value} value={value}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </form>
      {loaded.state === 'loading' ? <Loading what="reliability" /> : null}
      {loaded.state === 'error' ? <ProblemView error={loaded.error} onRetry={reload} /> : null}
      {loaded.state === 'ready' ? (
        <Report rows={loaded.data.items} more={loaded.data.more} span={loaded.data.span} metric={metric} />
      ) : null}
    </section>
  )
}

interface ReportProps {
  rows: ReliabilityRow[]
  more: boolean
  span: [number, number]
  metric: Metric
}

function Report({ rows, more, span, metric }: ReportProps) {
  const series = useMemo(() => buildSeries(rows, metric), [rows, metric])
  const ordered = useMemo(() => tableOrder(rows), [rows])
  if (rows.length === 0) return <p class="empty">No request in this range.</p>
  return (
    <>
      <Chart
        title={`${METRICS[metric].label} over time (the table below has the same numbers)`}
        data={series}
        unit={METRICS[metric].unit}
        period={span}
      />
      {more ? <p>The range has more rows than shown; pick a shorter range.</p> : null}
      <div class="table-wrap">
        <table class="stacked">
          <caption>Reliability by bucket</caption>
          <thead>
            <tr>
              <th scope="col">Bucket</th>
              <th scope="col">Group</th>
              <th scope="col" class="number">
                Requests
              </th>
              <th scope="col" class="number">
                Error rate
              </th>
              <th scope="col" class="number">
                4xx / 5xx
              </th>
              <th scope="col" class="number">
                Latency p50 / p95 / p99
              </th>
              <th scope="col" class="number">
                TTFB p50 / p95 / p99
              </th>
            </tr>
          </thead>
          <tbody>
            {ordered.map((row) => (
              <tr key={`${row.bucket_start}|${groupName(row)}`}>
                <th scope="row">{formatInstant(row.bucket_start)}</th>
                <td data-label="Group">{groupName(row)}</td>
                <td data-label="Requests" class="number">
                  {formatCount(row.requests)}
                </td>
                <td data-label="Error rate" class="number">
                  {formatPercent(row.error_rate)}
                </td>
                <td data-label="4xx / 5xx" class="number">
                  {formatPercent(row.error_rate_by_class['4xx'])} /{' '}
                  {formatPercent(row.error_rate_by_class['5xx'])}
                </td>
                <td data-label="Latency p50 / p95 / p99" class="number">
                  {[row.latency_ms.p50, row.latency_ms.p95, row.latency_ms.p99].map(formatMs).join(' / ')}
                </td>
                <td data-label="TTFB p50 / p95 / p99" class="number">
                  {[row.ttfb_ms.p50, row.ttfb_ms.p95, row.ttfb_ms.p99].map(formatMs).join(' / ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}

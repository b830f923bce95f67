import { describe, expect, it } from 'vitest'
import {
  dashboardExpressions,
  exposedSeries,
  metricNamesOf,
  unknownMetrics,
} from '../../../infra/deploy/prometheus/metric-names.ts'
import { readRepoFile } from './deploy-tools.ts'
import { allExpressions, dashboardFiles, readAlertRules, readDashboard } from './observability-files.ts'

describe('metric names of PromQL', () => {
  it('finds the series a histogram quantile reads, not its functions, labels or Grafana variables', () => {
    const expr =
      'histogram_quantile(0.95, sum by (le, route) (rate(aiaas_http_request_duration_seconds_bucket{job=~"$job", route=~"/v1/.*"}[$__rate_interval])))'
    expect(metricNamesOf(expr)).toEqual(['aiaas_http_request_duration_seconds_bucket'])
  })

  it('finds both sides of a binary operation, with grouping after the aggregation and offsets', () => {
    const expr =
      'sum(rate(a_total{x="y"}[5m])) without (instance) / on (job) group_left sum(b_count offset 1h) > 0.05 and c == 2'
    expect(metricNamesOf(expr)).toEqual(['a_total', 'b_count', 'c'])
  })

  it('reads the metric of a label_values template query, and none from a label-only one', () => {
    expect(metricNamesOf('label_values(aiaas_inference_requests_total{job=~"$job"}, instance)')).toEqual([
      'aiaas_inference_requests_total',
    ])
    expect(metricNamesOf('label_values(job)')).toEqual([])
  })

  it('collects panel targets, nested row panels and query variables of a dashboard', () => {
    const dashboard = {
      panels: [{ targets: [{ expr: 'a' }] }, { type: 'row', panels: [{ targets: [{ expr: 'b' }] }] }],
      templating: {
        list: [
          { type: 'datasource', query: 'prometheus' },
          { type: 'query', query: { query: 'label_values(c, job)' } },
          { type: 'query', query: 'label_values(d, instance)' },
        ],
      },
    }
    expect(dashboardExpressions(dashboard).sort()).toEqual([
      'a',
      'b',
      'label_values(c, job)',
      'label_values(d, instance)',
    ])
  })

  it('expands a /metrics page into its series, histogram buckets included, values or not', () => {
    const page = [
      '# HELP h_seconds A histogram',
      '# TYPE h_seconds histogram',
      '# HELP c_total A counter with labels and no value yet',
      '# TYPE c_total counter',
      '# TYPE g gauge',
      'g 1',
    ].join('\n')
    expect([...exposedSeries(page)].sort()).toEqual([
      'c_total',
      'g',
      'h_seconds_bucket',
      'h_seconds_count',
      'h_seconds_sum',
    ])
  })

  it('reports a made-up metric name with where it was used, and passes the real ones', () => {
    const exposed = new Set(['aiaas_inference_requests_total'])
    const uses = [
      { where: 'router.json', expr: 'sum(rate(aiaas_inference_requests_total[5m]))' },
      { where: 'alerts.yaml', expr: 'aiaas_made_up_total > 0 and aiaas_inference_requests_total > 0' },
    ]
    expect(unknownMetrics(uses, exposed)).toEqual([{ where: 'alerts.yaml', metric: 'aiaas_made_up_total' }])
  })
})

describe('Grafana dashboards', () => {
  const files = dashboardFiles()

  it('are the router, ingest, projections and budget ledger dashboards', () => {
    expect(files).toEqual(['budget-ledger.json', 'ingest.json', 'projections.json', 'router.json'])
  })

  it.each(files)(
    '%s: schema 39+, a Prometheus datasource variable, job and instance variables, no fixed uid',
    (file) => {
      const dashboard = readDashboard(file)
      expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39)
      const variables = (dashboard.templating as { list: { name: string; type: string; query: unknown }[] })
        .list
      expect(variables.find((v) => v.name === 'datasource')).toMatchObject({
        type: 'datasource',
        query: 'prometheus',
      })
      expect(variables.filter((v) => v.type === 'query').map((v) => v.name)).toEqual(['job', 'instance'])
      // Every datasource reference in the file is the variable: it imports into any Grafana.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable, not a template
      const variable = '${datasource}'
      const uids = [...JSON.stringify(dashboard).matchAll(/"uid":"([^"]*)"/g)].map((m) => m[1])
      expect(uids.filter((uid) => uid !== dashboard.uid && uid !== variable)).toEqual([])
    },
  )

  it.each(files)(
    '%s: unique panel ids, and every query filtered by the job and instance variables',
    (file) => {
      const dashboard = readDashboard(file)
      const panels = dashboard.panels as { id: number; type: string; targets?: { expr: string }[] }[]
      const ids = panels.map((p) => p.id)
      expect(new Set(ids).size).toBe(ids.length)
      const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))
      expect(exprs.length).toBeGreaterThan(3)
      for (const expr of exprs) expect(expr).toMatch(/job=~"\$job", instance=~"\$instance"/)
    },
  )
})

describe('alert rules', () => {
  const rules = readAlertRules()
  const operations = readRepoFile('docs/operations.md')
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
  const anchors = new Set(
    [...operations.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
      (m[1] ?? '')
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  )

  it.each(rules.map((rule) => [rule.alert, rule] as const))(
    '%s: a duration, a severity, a summary, a description and a runbook section that exists',
    (_name, rule) => {
      expect(rule.for).toMatch(/^\d+[smh]$/)
      expect(['info', 'warning', 'critical']).toContain(rule.labels?.severity)
      expect(rule.annotations?.summary).toBeTruthy()
      expect(rule.annotations?.description).toBeTruthy()
      const anchor = rule.annotations?.runbook_url?.replace('docs/operations.md#', '')
      expect(anchor).toBe(rule.alert.toLowerCase())
      expect(anchors).toContain(anchor)
    },
  )

  it('every dashboard and rule expression reads at least one metric (the extraction sees them)', () => {
    const uses = allExpressions()
    expect(uses.length).toBeGreaterThan(40)
    // The job and instance variables of each dashboard are among them.
    expect(uses.filter((use) => use.expr.startsWith('label_values(')).length).toBe(
      2 * dashboardFiles().length,
    )
    for (const { where, expr } of uses) expect(metricNamesOf(expr), `${where}: ${expr}`).not.toEqual([])
  })
})

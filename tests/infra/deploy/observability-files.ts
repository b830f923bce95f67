import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { dashboardExpressions, ruleExpressions } from '../../../infra/deploy/prometheus/metric-names.ts'
import { ROOT, readRepoFile } from './deploy-tools.ts'

// The dashboards and rule file the observability tests read. Not a test file.

export const GRAFANA_DIR = 'infra/deploy/grafana'
export const ALERTS = 'infra/deploy/prometheus/alerts.yaml'

export const dashboardFiles = (): string[] =>
  readdirSync(join(ROOT, GRAFANA_DIR))
    .filter((file) => file.endsWith('.json'))
    .sort()

export const readDashboard = (file: string): Record<string, unknown> =>
  JSON.parse(readRepoFile(`${GRAFANA_DIR}/${file}`)) as Record<string, unknown>

export interface AlertRule {
  alert: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export const readAlertRules = (): AlertRule[] =>
  (parse(readRepoFile(ALERTS)) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((group) => group.rules)

/** Every PromQL expression of the dashboards and the rule file, with where it is. */
export function allExpressions(): { where: string; expr: string }[] {
  const fromDashboards = dashboardFiles().flatMap((file) =>
    dashboardExpressions(readDashboard(file)).map((expr) => ({ where: `${GRAFANA_DIR}/${file}`, expr })),
  )
  const fromRules = ruleExpressions(parse(readRepoFile(ALERTS))).map((expr) => ({ where: ALERTS, expr }))
  return [...fromDashboards, ...fromRules]
}

import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exposedSeries, unknownMetrics } from '../../../infra/deploy/prometheus/metric-names.ts'
import {
  type AiaasCommand,
  type SeparatePlatform,
  startSeparatePlatform,
} from '../../support/separate-platform.ts'
import { allExpressions } from './observability-files.ts'

// Issue 13: a dashboard panel or an alert that names a metric no process exposes shows "No data"
// or never fires, silently. Every process is started as production runs it, each /metrics page is
// read (prom-client lists a metric's HELP and TYPE before its first value), and every metric the
// dashboards and the rule file read must be among them.
const COMMANDS: readonly AiaasCommand[] = [
  'projector',
  'ingest',
  'audit-forwarder',
  'mock-model',
  'identity',
  'router',
  'analytics',
]

describe('the metrics the dashboards and alerts read', () => {
  let platform: SeparatePlatform
  const suffix = randomBytes(4).toString('hex')

  beforeAll(async () => {
    platform = await startSeparatePlatform({
      name: `metrics_${suffix}`,
      commands: COMMANDS,
      env: { AIAAS_USAGE_QUEUE: `aiaas.usage.e2e.${suffix}`, AIAAS_AUDIT_TOPIC: `aiaas.audit.e2e.${suffix}` },
    })
  }, 120_000)

  afterAll(async () => {
    await platform?.stop()
  })

  it('are all exposed by some process', async () => {
    const exposed = new Set<string>()
    for (const command of COMMANDS) {
      const response = await fetch(`${platform.url(command)}/metrics`)
      expect(response.status, command).toBe(200)
      const page = await response.text()
      for (const name of exposedSeries(page)) exposed.add(name)
      // The projector reads its lag from PostgreSQL at each scrape: a value, not only a TYPE line.
      if (command === 'projector')
        expect(page).toMatch(
          /^aiaas_projection_lag_events\{projection="read-models",process="projector"\} \d+$/m,
        )
    }
    // The processes' own families are there (the page was read and parsed), then the check.
    expect(exposed).toContain('aiaas_usage_spool_pending')
    expect(exposed).toContain('aiaas_usage_ingest_batch_duration_seconds_bucket')
    expect(unknownMetrics(allExpressions(), exposed)).toEqual([])
  })
})

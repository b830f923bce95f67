import { appendFile, chmod } from 'node:fs/promises'
import { Counter, Gauge } from 'prom-client'
import { type Outcome, reconcile } from '../../commands/reconcile/reconcile.ts'
import type { Config } from '../../infra/config/config.ts'
import { inSpan } from '../../infra/telemetry/tracing.ts'
import { openAdapter, openPostgres } from './adapter.ts'
import { reconcileDeps, secretLines, shownRepository } from './reconcile-wiring.ts'
import { createRuntime, type Running, type Runtime, runWorker } from './runtime.ts'
import { traced } from './traced.ts'

// `aiaas reconciler`: fetches the tenants repository every AIAAS_RECONCILER_INTERVAL_MS and
// applies it (docs/tenants-as-code.md). /metrics shows the last commit, the last result, the
// drift found and the changes applied.

function reconcilerMetrics(rt: Runtime) {
  const registers = [rt.metrics.registry]
  return {
    commit: new Gauge({
      name: 'aiaas_reconciler_last_commit_info',
      help: 'The commit of the last reconciliation (1, with the sha as a label)',
      labelNames: ['commit'],
      registers,
    }),
    success: new Gauge({
      name: 'aiaas_reconciler_last_success',
      help: 'Whether the last reconciliation succeeded (1) or failed: invalid files, git, a command (0)',
      registers,
    }),
    drift: new Gauge({
      name: 'aiaas_reconciler_drift_resources',
      help: 'Resources git manages that the last reconciliation found changed outside git',
      registers,
    }),
    applied: new Counter({
      name: 'aiaas_reconciler_changes_applied_total',
      help: 'Changes (create, update, delete of a resource) the reconciler applied',
      registers,
    }),
  }
}

type ReconcilerMetrics = ReturnType<typeof reconcilerMetrics>

function record(metrics: ReconcilerMetrics, outcome: Outcome) {
  metrics.commit.reset()
  metrics.commit.set({ commit: outcome.commit }, 1)
  const ok = outcome.result === 'applied' && !outcome.plan.changes.some((c) => c.action === 'blocked')
  metrics.success.set(ok ? 1 : 0)
  if (outcome.result === 'invalid') return
  metrics.drift.set(outcome.plan.drift)
  if (outcome.result === 'applied' || outcome.result === 'failed') metrics.applied.inc(outcome.applied)
}

async function keepSecrets(rt: Runtime, outcome: Outcome) {
  if ((outcome.result !== 'applied' && outcome.result !== 'failed') || outcome.keys.length === 0) return
  const file = rt.config.AIAAS_RECONCILER_SECRETS_OUT
  const addresses = outcome.keys.map((key) => key.address)
  if (file === undefined) {
    rt.log.warn(
      { keys: addresses },
      'keys created; no AIAAS_RECONCILER_SECRETS_OUT, their secrets are not kept',
    )
    return
  }
  await appendFile(file, secretLines(outcome.keys), { mode: 0o600 })
  await chmod(file, 0o600)
  rt.log.info({ keys: addresses, file }, 'keys created; secrets appended')
}

function logOutcome(rt: Runtime, outcome: Outcome) {
  const { commit } = outcome
  if (outcome.result === 'invalid')
    rt.log.error({ commit, errors: outcome.errors }, 'invalid files; nothing applied')
  else if (outcome.result === 'failed') rt.log.error({ commit, err: outcome.error }, 'apply failed; retrying')
  else if (outcome.result === 'applied' && outcome.applied > 0)
    rt.log.info({ commit, applied: outcome.applied, drift: outcome.plan.drift }, 'applied')
}

/** Passes one after the other, `intervalMs` apart; close() waits for the one running. */
function every(intervalMs: number, pass: () => Promise<void>) {
  let timer: NodeJS.Timeout | undefined
  let closed = false
  const next = (): Promise<void> =>
    pass().finally(() => {
      if (!closed) timer = setTimeout(() => (running = next()), intervalMs)
    })
  let running = next()
  return {
    async close() {
      closed = true
      clearTimeout(timer)
      await running
    },
  }
}

async function runReconciler(config: Config): Promise<Running> {
  const repo = config.AIAAS_RECONCILER_REPO
  if (repo === undefined) throw new Error('aiaas reconciler needs AIAAS_RECONCILER_REPO')
  const rt = createRuntime(config, 'reconciler')
  const metrics = reconcilerMetrics(rt)
  return runWorker(rt, async (app) => {
    const db = await openPostgres(app, config)
    const deps = reconcileDeps(config, db, { repo, ref: config.AIAAS_RECONCILER_REF })
    const pass = async () => {
      try {
        // One span per pass, its result and commit on it (docs/observability.md, Traces).
        const outcome = await inSpan(rt.tracing, null, 'reconcile', async (span) => {
          const outcome = await reconcile(deps, 'apply', 'reconciler')
          span?.setAttributes({
            'aiaas.reconcile.result': outcome.result,
            'aiaas.reconcile.commit': outcome.commit,
          })
          return outcome
        })
        await keepSecrets(rt, outcome)
        record(metrics, outcome)
        logOutcome(rt, outcome)
      } catch (error) {
        metrics.success.set(0)
        rt.log.error({ err: error }, 'reconciliation failed; retrying')
      }
    }
    await openAdapter(app, 'tenantsReconciler', async () => every(config.AIAAS_RECONCILER_INTERVAL_MS, pass))
    return { repo: shownRepository(repo), ref: config.AIAAS_RECONCILER_REF }
  })
}

// Each process starts the OpenTelemetry SDK first when AIAAS_TRACING=on (traced.ts).
export const startReconciler = traced('reconciler', runReconciler)

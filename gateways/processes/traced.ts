import { pino } from 'pino'
import type { Config } from '../../infra/config/config.ts'
import { tracingEnabled } from '../../infra/telemetry/active.ts'
import { logDestination } from '../http/log-destination.ts'
import type { Running } from './runtime.ts'
import { throttled } from './throttled-log.ts'

// Every long-running process starts through this: with AIAAS_TRACING=on the OpenTelemetry SDK is
// started before the process (so its Runtime carries the tracing, createRuntime), and shut down
// after it stopped, which exports the spans still queued. Off, the SDK is never even loaded.

type Start<R extends Running> = (config: Config) => Promise<R>

/** Spans the collector did not take are dropped: said once a minute, not at every export. */
function exportFailures(config: Config, processName: string) {
  const log = pino({ level: config.AIAAS_LOG_LEVEL, base: { process: processName } }, logDestination())
  const warn = throttled(60_000, (error: unknown) =>
    log.warn({ err: error }, 'traces not exported (collector unreachable or refusing); spans dropped'),
  )
  return (error: unknown) => warn('export', error)
}

export function traced<R extends Running>(processName: string, start: Start<R>): Start<R> {
  return async (config) => {
    if (!tracingEnabled(config)) return start(config)
    const { startTelemetry } = await import('../../infra/telemetry/sdk.ts')
    const telemetry = startTelemetry(config, processName, { onError: exportFailures(config, processName) })
    try {
      const running = await start(config)
      const stop = async () => {
        try {
          await running.stop()
        } finally {
          await telemetry?.shutdown()
        }
      }
      return { ...running, stop }
    } catch (error) {
      await telemetry?.shutdown()
      throw error
    }
  }
}

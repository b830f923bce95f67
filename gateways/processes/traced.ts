import type { Config } from '../../infra/config/config.ts'
import { tracingEnabled } from '../../infra/telemetry/active.ts'
import type { Running } from './runtime.ts'

// Every long-running process starts through this: with AIAAS_TRACING=on the OpenTelemetry SDK is
// started before the process (so its Runtime carries the tracing, createRuntime), and shut down
// after it stopped, which exports the spans still queued. Off, the SDK is never even loaded.

type Start<R extends Running> = (config: Config) => Promise<R>

export function traced<R extends Running>(processName: string, start: Start<R>): Start<R> {
  return async (config) => {
    if (!tracingEnabled(config)) return start(config)
    const { startTelemetry } = await import('../../infra/telemetry/sdk.ts')
    const telemetry = startTelemetry(config, processName)
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

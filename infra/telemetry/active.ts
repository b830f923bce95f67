import type { Config } from '../config/config.ts'
import type { Tracing } from './tracing.ts'

// Whether this process traces, and the tracing its SDK (sdk.ts) started. Apart from sdk.ts so a
// process with tracing off never loads the SDK or its exporter.

let active: Tracing | null = null

/** The tracing of the SDK this process started; null when tracing is off. */
export const activeTracing = (): Tracing | null => active

/** Set by the SDK as it starts, cleared as it stops. */
export function setActiveTracing(tracing: Tracing | null): void {
  active = tracing
}

export const tracingEnabled = (config: Pick<Config, 'AIAAS_TRACING' | 'OTEL_SDK_DISABLED'>): boolean =>
  config.AIAAS_TRACING === 'on' && !config.OTEL_SDK_DISABLED

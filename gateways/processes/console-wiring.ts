import type { ConsoleOptions } from '../http/console.ts'
import type { Runtime } from './runtime.ts'

/** The console's options in a process: its issuer, where the analytics API and the build are, a missing build said once. */
export function consoleOptions(rt: Runtime, issuer: string): ConsoleOptions {
  return {
    issuer,
    analyticsUrl: rt.config.AIAAS_CONSOLE_ANALYTICS_URL,
    dir: rt.config.AIAAS_CONSOLE_DIR,
    onMissing: () =>
      rt.log.warn('the web console is not built: /console answers 503; run `npm run build:console`'),
  }
}

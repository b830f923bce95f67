import { AppError } from '../../domain/errors.ts'

// Every broker failure reaches callers as one stable code, within a bounded time: the router turns
// USAGE_BUS_UNAVAILABLE into "spool locally and retry", never into a failed inference request.

export function busUnavailable(error: unknown): AppError {
  if (error instanceof AppError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new AppError('USAGE_BUS_UNAVAILABLE', `usage bus unavailable: ${reason}`, { reason })
}

/** The timeout error of a bounded broker call, for withDeadline (infra/deadline.ts). */
export const noAnswer = (what: string, ms: number) => (): Error =>
  new Error(`${what}: no answer from RabbitMQ within ${ms} ms`)

export const ignore = (): void => {}

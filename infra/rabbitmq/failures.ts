import { AppError } from '../../domain/errors.ts'

// Every broker failure reaches callers as one stable code, within a bounded time: the router turns
// USAGE_BUS_UNAVAILABLE into "spool locally and retry", never into a failed inference request.

export function busUnavailable(error: unknown): AppError {
  if (error instanceof AppError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new AppError('USAGE_BUS_UNAVAILABLE', `usage bus unavailable: ${reason}`, { reason })
}

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from RabbitMQ within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

export const ignore = (): void => {}

// The one bound on waiting for a client library (ioredis, amqplib, kafkajs, a readiness probe): a
// server that accepts a connection and never answers must cost the caller `ms`, not forever.

/**
 * Settles as `work` does, or rejects with `timeoutError()` once `ms` have passed, whichever comes
 * first. `work` is not cancelled; its late outcome is ignored (Promise.race keeps a late rejection
 * handled).
 */
export function withDeadline<T>(work: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), ms)
  })
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer))
}

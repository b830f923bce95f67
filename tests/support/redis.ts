import { Redis } from 'ioredis'

/** Deletes every key under prefix: each Redis test file writes under a prefix of its own. */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const admin = new Redis(redisUrl)
  const keys = await admin.keys(`${prefix}*`)
  if (keys.length > 0) await admin.del(...keys)
  await admin.quit()
}

/** How long an operation took to settle, and what it failed with (undefined when it succeeded). */
export async function timed<T>(operation: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  const error = await operation.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  return { error, ms: performance.now() - started }
}

/**
 * A logger call that speaks at most once per `everyMs` for each `topic`: a failure that repeats
 * on every poll (PostgreSQL down, a model whose key cannot be opened) is said, not flooded.
 */
export function throttled<A extends unknown[]>(
  everyMs: number,
  log: (...args: A) => void,
  now: () => number = Date.now,
): (topic: string, ...args: A) => void {
  const last = new Map<string, number>()
  return (topic, ...args) => {
    const at = now()
    const previous = last.get(topic)
    if (previous !== undefined && at - previous < everyMs) return
    last.set(topic, at)
    log(...args)
  }
}

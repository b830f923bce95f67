import type { UsageEvent } from '../ports/usage.ts'

export interface PublishWindowOptions {
  /** The most events in one window; a full window is sent at once. */
  maxEvents: number
  /** How long a window stays open from its first event; 0: until the current event-loop turn ends. */
  windowMs: number
}

interface Window {
  events: UsageEvent[]
  done: Promise<void>
  resolve: () => void
  reject: (error: unknown) => void
  immediate?: NodeJS.Immediate
  timeout?: NodeJS.Timeout
}

/**
 * Gathers the events published close together (the same event-loop turn, or `windowMs`) and hands
 * them to `send` as one batch, in publish order. Every event of a window shares one promise, which
 * settles as its batch does: one allocation per batch, not per event. `send` must settle only once
 * every event is confirmed or stored; it rejects only when some event is neither.
 */
export function createPublishWindow(
  options: PublishWindowOptions,
  send: (events: UsageEvent[]) => Promise<void>,
) {
  let open: Window | undefined

  const flush = (window: Window) => {
    if (open === window) open = undefined
    clearImmediate(window.immediate)
    clearTimeout(window.timeout)
    send(window.events).then(window.resolve, window.reject)
  }

  const openWindow = (): Window => {
    const { promise, resolve, reject } = Promise.withResolvers<void>()
    const window: Window = { events: [], done: promise, resolve, reject }
    if (options.windowMs > 0) window.timeout = setTimeout(() => flush(window), options.windowMs)
    else window.immediate = setImmediate(() => flush(window))
    return window
  }

  return {
    /** Adds `event` to the open window; resolves once its whole batch is confirmed or stored. */
    add(event: UsageEvent): Promise<void> {
      if (!open) open = openWindow()
      const window = open
      window.events.push(event)
      if (window.events.length >= options.maxEvents) flush(window)
      return window.done
    },
    /** Sends the open window now (on close). */
    flush(): void {
      if (open) flush(open)
    },
  }
}

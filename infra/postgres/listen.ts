import pg from 'pg'

// LISTEN on a dedicated connection (a pooled one would be handed to other queries). When the
// connection drops it is opened again with back-off; notifications sent meanwhile are lost,
// which is why every listener here also polls (the change feed reads the checkpoint every 250 ms).

const FIRST_RETRY_MS = 250
const MAX_RETRY_MS = 5_000

export interface Listener {
  /** Resolves once the first LISTEN is in place (tests wait for it). */
  ready: Promise<void>
  close(): Promise<void>
}

/** onNotify(undefined): (re)connected, so whatever was sent while away is unknown: look now. */
export function listen(
  url: string,
  channel: string,
  onNotify: (payload: string | undefined) => void,
  onError: (error: unknown) => void = () => {},
): Listener {
  let client: pg.Client | null = null
  let closed = false
  let retryMs = FIRST_RETRY_MS
  let timer: NodeJS.Timeout | undefined
  let listening: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    listening = resolve
  })

  const retry = () => {
    if (closed) return
    timer = setTimeout(connect, retryMs)
    timer.unref()
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
  }

  async function connect(): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
    let dropped = false
    const drop = (error?: unknown) => {
      if (dropped) return
      dropped = true
      if (error && !closed) onError(error)
      if (client === next) client = null
      next.end().catch(() => {})
      retry()
    }
    next.on('error', drop)
    next.on('end', () => drop())
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload)
    })
    try {
      await next.connect()
      await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    } catch (error) {
      drop(error)
      return
    }
    if (closed) {
      await next.end().catch(() => {})
      return
    }
    client = next
    retryMs = FIRST_RETRY_MS
    listening()
    onNotify(undefined)
  }

  void connect()
  return {
    ready,
    async close() {
      closed = true
      clearTimeout(timer)
      await client?.end().catch(() => {})
    },
  }
}

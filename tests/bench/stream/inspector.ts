// Another Node process driven through the inspector it was started with
// (NODE_OPTIONS=--inspect=127.0.0.1:0): a full garbage collection before its heap is read, and a
// CPU profile (the V8 profiler behind --cpu-prof) of one window of a run rather than of its
// whole life (the embedded router's start-up would fill a --cpu-prof profile).

/** The inspector's WebSocket URL as the process announced it on stderr. */
export function inspectorUrl(output: string): string | null {
  return /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1] ?? null
}

interface Session {
  call(method: string, params?: object): Promise<Record<string, unknown>>
  close(): void
}

async function connect(url: string, timeoutMs = 30_000): Promise<Session> {
  const socket = new WebSocket(url)
  const waiting = new Map<number, (result: Record<string, unknown>) => void>()
  let nextId = 1
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> }
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? {})
  })
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve())
    socket.addEventListener('error', () => reject(new Error(`inspector at ${url} failed`)))
  })
  const call = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), timeoutMs)
      waiting.set(id, (result) => {
        clearTimeout(timer)
        resolve(result)
      })
      socket.send(JSON.stringify({ id, method, params }))
    })
  return { call, close: () => socket.close() }
}

export async function collectGarbage(url: string): Promise<void> {
  const session = await connect(url)
  try {
    await session.call('HeapProfiler.collectGarbage')
  } finally {
    session.close()
  }
}

/** Runs `during` while the process's CPU is profiled; the profile as JSON (a .cpuprofile). */
export async function profiled<T>(url: string, during: () => Promise<T>): Promise<[T, string]> {
  const session = await connect(url)
  try {
    await session.call('Profiler.enable')
    await session.call('Profiler.start')
    const result = await during()
    const { profile } = await session.call('Profiler.stop')
    return [result, JSON.stringify(profile)]
  } finally {
    session.close()
  }
}

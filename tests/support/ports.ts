import { createServer, type Server } from 'node:net'

// Loopback ports for test servers and the processes tests start. A port the kernel hands out
// (listen on 0) lies in its ephemeral range, where any outgoing connection on the machine may take
// it as its local port before the server (re)binds it, which then fails with EADDRINUSE. Below
// that range (Linux: 32768-60999) only another listener can hold it.
const STABLE_PORTS = { from: 20_000, to: 32_000 }

/** Listens on a random port of the stable range, trying another one when it is taken. */
export async function listenOnStablePort(server: Server): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = STABLE_PORTS.from + Math.floor(Math.random() * (STABLE_PORTS.to - STABLE_PORTS.from))
    try {
      return await listen(server, port)
    } catch (error) {
      const inUse = error instanceof Error && 'code' in error && error.code === 'EADDRINUSE'
      if (!inUse || attempt >= 20) throw error
    }
  }
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('server has no TCP address'))
      else resolve(address.port)
    })
  })
}

/** A loopback port of the stable range nobody listens on now; a process binds it a moment later. */
export async function freePort(): Promise<number> {
  const server = createServer()
  const port = await listenOnStablePort(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

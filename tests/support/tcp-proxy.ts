import { createConnection, createServer, type Socket } from 'node:net'
import { listen, listenOnStablePort } from './ports.ts'

// A loopback TCP proxy in front of a real service, so a test can take the service "down" and bring
// it back (or cut live connections) without touching the shared Redis or RabbitMQ.
export interface TcpProxy {
  readonly port: number
  /** Destroys every proxied connection; new ones are still accepted. */
  cut(): void
  /** Cuts every connection and stops listening: the service looks down. */
  stop(): Promise<void>
  /** Listens again on the same port: the service is back. */
  resume(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const makeServer = () =>
    createServer((client) => {
      const upstream = createConnection(targetPort, targetHost)
      track(client)
      track(upstream)
      client.pipe(upstream)
      upstream.pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
  let server = makeServer()
  const port = await listenOnStablePort(server)
  const cut = () => {
    for (const socket of sockets) socket.destroy()
  }
  return {
    port,
    cut,
    async stop() {
      cut()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    async resume() {
      server = makeServer()
      await listen(server, port)
    },
  }
}

export interface SilentServer {
  readonly port: number
  close(): Promise<void>
}

/** A loopback server that accepts connections and never answers: only a client's own timeout ends the wait. */
export async function startSilentServer(): Promise<SilentServer> {
  const held = new Set<Socket>()
  const server = createServer((socket) => {
    held.add(socket)
    socket.on('error', () => socket.destroy())
  })
  const port = await listen(server, 0)
  return {
    port,
    async close() {
      for (const socket of held) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

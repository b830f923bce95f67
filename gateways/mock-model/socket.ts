import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createMetrics } from '../http/metrics.ts'
import { createServer } from '../http/server.ts'
import { mockModelRoutes } from './routes.ts'

// Embedded mode's `echo` backend must not answer on the public port: there it was a free,
// unmetered inference endpoint (no key, limit, budget or usage record). It listens on a Unix
// socket in a 0700 directory of the data dir, the socket itself 0600, so only this user (the
// router, in the same process) reaches it.

/** Unix socket paths are limited to 108 bytes (sun_path) on Linux, fewer elsewhere. */
const MAX_SOCKET_PATH = 100

async function privateDirectory(dataDir: string): Promise<string> {
  const dir = resolve(dataDir, 'run')
  if (join(dir, 'mock-model.sock').length <= MAX_SOCKET_PATH) {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await chmod(dir, 0o700)
    return dir
  }
  // A data dir too deep for a socket path: a private directory of the OS's temp dir instead.
  return mkdtemp(join(tmpdir(), 'aiaas-'))
}

export interface MockModelSocket {
  /** The base URL to put in front of /chat/completions; its host is only a label. */
  url: string
  socketPath: string
  close(): Promise<void>
}

export async function serveMockModelOnSocket(options: {
  dataDir: string
  logLevel: string
  now: () => Date
  newId: () => string
}): Promise<MockModelSocket> {
  const socketPath = join(await privateDirectory(options.dataDir), 'mock-model.sock')
  // A socket left by a process that was killed would make listen fail with EADDRINUSE.
  await rm(socketPath, { force: true })
  // Its own registry: its requests must not count as the router's in /metrics.
  const app = createServer({ logLevel: options.logLevel, metrics: createMetrics('mock-model') })
  await app.register(mockModelRoutes, { prefix: '/v1', now: options.now, newId: options.newId })
  await app.listen({ path: socketPath })
  await chmod(socketPath, 0o600)
  return {
    url: 'http://mock-model/v1',
    socketPath,
    close: () => app.close(),
  }
}

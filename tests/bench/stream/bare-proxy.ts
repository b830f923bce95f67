import { createRequire } from 'node:module'
import { join } from 'node:path'

// The bare proxy the streaming benchmark compares the router with: @fastify/http-proxy on the
// router's own fastify, nothing else (no auth, no logs), as `make bench-peers` installs it into
// build/peers/proxy (infra/bench/install-peers.sh).
//
//   AIAAS_BENCH_UPSTREAM=<origin> AIAAS_PEERS_DIR=<build/peers> node tests/bench/stream/bare-proxy.ts <port>

const port = process.argv[2]
const upstream = process.env.AIAAS_BENCH_UPSTREAM
const peers = process.env.AIAAS_PEERS_DIR
if (!port || !upstream || !peers)
  throw new Error('usage: AIAAS_BENCH_UPSTREAM=… AIAAS_PEERS_DIR=… bare-proxy.ts <port>')
const require = createRequire(join(peers, 'proxy', 'package.json'))
const fastify = require('fastify') as (options: object) => {
  register: (plugin: unknown, options: object) => Promise<void>
  listen: (options: object) => Promise<string>
  close: () => Promise<void>
}
const app = fastify({ logger: false })
// As many upstream connections as streams (undici's default pool stops at 128), as the router has.
await app.register(require('@fastify/http-proxy'), {
  upstream,
  prefix: '/v1',
  rewritePrefix: '/v1',
  undici: { connections: 20_000, pipelining: 1 },
})
await app.listen({ port: Number(port), host: '127.0.0.1' })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

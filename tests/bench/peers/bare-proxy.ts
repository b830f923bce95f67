import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'

// The bare proxy of `make bench-peers`: fastify with @fastify/http-proxy and nothing else, both
// from build/peers/proxy (infra/bench/install-peers.sh installs them there; neither is a project
// dependency), forwarding every path to the mock backend. The floor any Node.js gateway stands on.
//
//   AIAAS_PEERS_DIR=build/peers node tests/bench/peers/bare-proxy.ts <port> <upstream base URL>

const [port, upstream] = [Number(process.argv[2]), process.argv[3]]
if (!Number.isInteger(port) || !upstream) throw new Error('usage: bare-proxy.ts <port> <upstream>')
const peers = process.env.AIAAS_PEERS_DIR ?? new URL('../../../build/peers', import.meta.url).pathname
const require = createRequire(`${peers}/proxy/package.json`)
const load = (name: string) => import(pathToFileURL(require.resolve(name)).href)

const fastify: { default: (options: object) => FastifyInstance } = await load('fastify')
const httpProxy: { default: Parameters<FastifyInstance['register']>[0] } = await load('@fastify/http-proxy')

const app = fastify.default({ logger: false })
await app.register(httpProxy.default, { upstream })
await app.listen({ port, host: '127.0.0.1' })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

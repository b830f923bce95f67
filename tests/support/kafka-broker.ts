import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { fixKafkaJsRequestQueue } from '../../infra/kafka/request-queue-fix.ts'

fixKafkaJsRequestQueue()

// A Kafka broker of a test's own: a second one-node KRaft cluster from the jars that
// infra/services/kafka.sh installed, on its own ports, with its data in a temporary directory. A
// test may stop and restart it at will; the shared broker on :9092 serves other tests in
// parallel and must never be restarted.

const SERVICES = resolve(import.meta.dirname, '../../infra/services')
const STATE = process.env.AIAAS_SERVICES_STATE ?? join(SERVICES, '.state')
const CLASSPATH = `${join(STATE, 'kafka/libs')}/*`
const LOG4J = `-Dlog4j2.configurationFile=${join(SERVICES, 'kafka/log4j2.properties')}`
// Generous bounds for a JVM starting on a loaded 2-core machine; what the test measures is elsewhere.
const START_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 60_000

export interface TestBroker {
  /** host:port of its PLAINTEXT listener, the same across restarts. */
  readonly brokers: string[]
  /** Stops the broker (SIGTERM: a controlled shutdown) and waits for the process to exit. */
  stop(): Promise<void>
  /** Starts it again on the same ports and data, and waits until it serves metadata. */
  start(): Promise<void>
  /** Stops it and deletes its data. */
  dispose(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

function properties(dir: string, port: number, controller: number): string {
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${join(dir, 'data')}
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
`
}

/** Resolves once the broker answers a metadata request, or rejects after START_TIMEOUT_MS. */
async function serving(brokers: string[], child: ChildProcess): Promise<void> {
  const kafka = new Kafka({
    clientId: 'aiaas-test-broker',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  })
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the test broker exited with ${child.exitCode}`)
    const admin = kafka.admin()
    try {
      await admin.connect()
      await admin.describeCluster()
      return
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the test broker did not start in ${START_TIMEOUT_MS} ms`, { cause: error })
    } finally {
      await admin.disconnect().catch(() => {})
    }
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  try {
    await once(child, 'exit')
  } finally {
    clearTimeout(timer)
  }
}

/** Formats a fresh data directory and starts the broker (about 10–60 s: a JVM). */
export async function startTestBroker(): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-kafka-'))
  const [port, controller] = [await freePort(), await freePort()]
  const config = join(dir, 'server.properties')
  await writeFile(config, properties(dir, port, controller))
  const clusterId = randomBytes(16).toString('base64url')
  await promisify(execFile)('java', [
    LOG4J,
    '-cp',
    CLASSPATH,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId,
    '-c',
    config,
  ])
  const brokers = [`127.0.0.1:${port}`]
  let child: ChildProcess | undefined
  const killOnExit = () => child?.kill('SIGKILL')
  process.once('exit', killOnExit)

  const start = async () => {
    const log = await open(join(dir, 'kafka.log'), 'a')
    child = spawn('java', ['-Xms128m', '-Xmx384m', LOG4J, '-cp', CLASSPATH, 'kafka.Kafka', config], {
      stdio: ['ignore', log.fd, log.fd],
    })
    await log.close()
    await serving(brokers, child)
  }
  const stop = async () => {
    if (child === undefined) return
    child.kill('SIGTERM')
    await exited(child)
    child = undefined
  }
  const dispose = async () => {
    await stop()
    process.off('exit', killOnExit)
    await rm(dir, { recursive: true, force: true })
  }
  // A broker that never served is not left running, nor its directory behind.
  await start().catch(async (error: unknown) => {
    await dispose()
    throw error
  })
  return { brokers, start, stop, dispose }
}

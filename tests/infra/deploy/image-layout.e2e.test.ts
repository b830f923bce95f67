import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { loadConfig } from '../../../infra/config/config.ts'
import { type CreatedDatabase, createDatabase } from '../../support/fresh-database.ts'
import { freePort, type Proc, startAiaas, waitForHttp } from '../../support/processes.ts'
import { deleteUsageQueues } from '../../support/rabbitmq.ts'
import { CHART, HELM, ROOT, readRepoFile, run } from './deploy-tools.ts'

// No container engine here builds the image (docs/deployment.md), so this lays out its files as
// the Dockerfile's runtime stage copies them (its COPY lines, less what .dockerignore keeps out of
// the build) and runs the chart's processes from there: `aiaas migrate`, then each Deployment of
// the default values (and the echo backend) with the chart's own command, answering the chart's
// probes and scrape path.
// node_modules is the repository's (the image's is pruned: image.unit.test.ts checks the imports).

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML, read field by field
type Manifest = any
const PORT_VARIABLES = [
  'PORT',
  'AIAAS_IDENTITY_PORT',
  'AIAAS_ANALYTICS_PORT',
  'AIAAS_METRICS_PORT',
  'AIAAS_MOCK_MODEL_PORT',
]

function layOutImage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aiaas-image-'))
  const ignored = readRepoFile('.dockerignore')
    .split('\n')
    .filter((line) => line && !line.startsWith('#') && !line.includes('*'))
  const dockerfile = readRepoFile('infra/deploy/image/Dockerfile')
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  for (const [, source] of runtime.matchAll(/^COPY --from=build \/app\/(\S+) /gm)) {
    if (source === 'node_modules') symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    else if (existsSync(join(ROOT, source!)))
      cpSync(join(ROOT, source!), join(dir, source!), {
        recursive: true,
        filter: (path) =>
          !ignored.some((i) => path === join(ROOT, i) || path.startsWith(`${join(ROOT, i)}/`)),
      })
  }
  return dir
}

/** Deletes the run's audit topic if the forwarder created it (only once it had events to send). */
async function deleteTopicIfAny(topic: string): Promise<void> {
  const brokers = loadConfig().AIAAS_KAFKA_BROKERS.split(',')
  const admin = new Kafka({ clientId: 'aiaas-test-cleanup', brokers, logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  try {
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] })
  } finally {
    await admin.disconnect()
  }
}

interface Started {
  deployment: Manifest
  proc: Proc
  port: number
}

describe("the image's files run the chart's processes", () => {
  const suffix = randomBytes(4).toString('hex')
  const queue = `aiaas.usage.deploy.${suffix}`
  const topic = `aiaas.audit.deploy.${suffix}`
  let layout: string
  let database: CreatedDatabase
  let migrated: ReturnType<typeof spawnSync>
  const started: Started[] = []

  beforeAll(async () => {
    layout = layOutImage()
    database = await createDatabase('deploy')
    const rendered = await run(HELM, ['template', 'aiaas', CHART, '--set', 'mockModel.enabled=true'])
    expect(rendered.code).toBe(0)
    const deployments: Manifest[] = parseAllDocuments(rendered.stdout)
      .map((d) => d.toJS())
      .filter((m) => m?.kind === 'Deployment')
    const env = {
      AIAAS_DATABASE_URL: database.url,
      AIAAS_ADMIN_TOKEN: `deploy-admin-${suffix}`,
      AIAAS_USAGE_QUEUE: queue,
      AIAAS_AUDIT_TOPIC: topic,
    }
    const cli = { cli: join(layout, 'gateways', 'cli', 'aiaas.ts'), cwd: layout }
    migrated = spawnSync(process.execPath, [cli.cli, 'migrate'], {
      cwd: layout,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    })
    for (const deployment of deployments) {
      const [container] = deployment.spec.template.spec.containers
      const variable = container.env.find((e: Manifest) => PORT_VARIABLES.includes(e.name)).name
      const port = await freePort()
      const dataDir = join(layout, 'data', container.name)
      const own = { ...env, [variable]: String(port), AIAAS_DATA_DIR: dataDir }
      started.push({ deployment, port, proc: startAiaas(container.args[0], own, cli) })
    }
  }, 180_000)

  afterAll(async () => {
    try {
      await Promise.all(started.map(({ proc }) => proc.stop()))
      await database?.drop()
      await deleteUsageQueues(queue)
      await deleteTopicIfAny(topic)
    } finally {
      if (layout) rmSync(layout, { recursive: true, force: true })
    }
  })

  it("migrates the schema with `aiaas migrate` (the chart's Job)", () => {
    expect(migrated.stderr).toBe('')
    expect(migrated.status).toBe(0)
    expect(migrated.stdout).toMatch(/^applied: /)
  })

  it("answers each Deployment's startup, liveness and readiness probes", async () => {
    expect(started.map(({ proc }) => proc.name).sort()).toEqual(
      ['analytics', 'audit-forwarder', 'identity', 'ingest', 'mock-model', 'projector', 'router'].sort(),
    )
    for (const { deployment, proc, port } of started) {
      const [c] = deployment.spec.template.spec.containers
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe])
        await waitForHttp(`http://127.0.0.1:${port}${probe.httpGet.path}`, proc, 60_000)
    }
    // Six processes starting on a loaded 2-core machine: a generous bound, not what is measured.
  }, 360_000)

  it("passes the Compose file's health check of each process (its node -e probe)", async () => {
    const compose = parse(readRepoFile('infra/deploy/compose/compose.yaml'), { merge: true })
    for (const { deployment, proc, port } of started) {
      const [kind, ...command] = compose.services[proc.name].healthcheck.test as string[]
      expect(kind, proc.name).toBe('CMD')
      // The check probes the container's own port; here each process has a port of its own.
      const containerPort = deployment.spec.template.spec.containers[0].ports[0].containerPort
      const args = command.slice(1).map((a) => a.replace(`127.0.0.1:${containerPort}/`, `127.0.0.1:${port}/`))
      expect(args.join(' '), proc.name).toContain(`127.0.0.1:${port}/`)
      const check = await run(process.execPath, args)
      expect(check.code, `${proc.name}: ${check.stderr}`).toBe(0)
    }
  })

  it('serves Prometheus metrics where the pod annotations say', async () => {
    for (const { deployment, proc, port } of started) {
      const annotations = deployment.spec.template.metadata.annotations
      const url = `http://127.0.0.1:${port}${annotations['prometheus.io/path']}`
      await waitForHttp(url, proc, 60_000)
      expect(await (await fetch(url)).text(), proc.name).toMatch(/^# HELP /m)
    }
  })
})

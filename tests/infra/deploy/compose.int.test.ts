import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { DeleteBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configVariables, loadConfig } from '../../../infra/config/config.ts'
import { COMPOSE_SCHEMA, readRepoFile, run } from './deploy-tools.ts'
import { API_HEALTH, METRICS_PORT, PROCESSES, SECRET_VARIABLES } from './processes.ts'

// infra/deploy/compose/compose.yaml against the Compose specification's schema (installed by
// infra/services/schemas.sh from the compose-go module), and what a person running it relies on.
// No container engine runs here: the file is checked, not started (docs/deployment.md).

interface Service {
  image?: string
  command?: string[]
  environment?: Record<string, string>
  env_file?: string[]
  depends_on?: Record<string, { condition: string }> | string[]
  healthcheck?: { test: string[] }
  volumes?: string[]
  ports?: string[]
  profiles?: string[]
  restart?: string
  read_only?: boolean
}
interface ComposeFile {
  services: Record<string, Service>
  volumes: Record<string, unknown>
}

const COMPOSE = 'infra/deploy/compose/compose.yaml'
const BACKING = {
  postgres: 'postgres:',
  redis: 'redis:',
  rabbitmq: 'rabbitmq:',
  kafka: 'apache/kafka:',
  s3: 'versity/versitygw:',
}
const text = readRepoFile(COMPOSE)
// Compose reads YAML merge keys (the x-aiaas anchor shared by every AIaaS service).
const compose = parse(text, { merge: true }) as ComposeFile
const envFile = (path: string) =>
  Object.fromEntries(
    readRepoFile(path)
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  )
const aiaasServices = Object.entries(compose.services).filter(([, s]) => s.image?.includes('aiaas'))

describe('the Compose file', () => {
  let validate: ReturnType<Ajv2020['compile']>
  beforeAll(() => {
    const ajv = new Ajv2020({ allErrors: true, strict: false })
    validate = ajv.compile(JSON.parse(readFileSync(COMPOSE_SCHEMA, 'utf8')))
  })

  it('is valid against the Compose specification schema', () => {
    const valid = validate(parse(text, { merge: true }))
    expect(validate.errors ?? []).toEqual([])
    expect(valid).toBe(true)
  })

  it('is rejected by that schema once broken (the check can fail)', () => {
    const broken = parse(text, { merge: true }) as ComposeFile
    ;(broken.services.router as Record<string, unknown>).restart_policy = 'always'
    ;(broken.services.identity as Record<string, unknown>).depends_on = {
      postgres: { condition: 'service_up' },
    }
    expect(validate(broken)).toBe(false)
    const paths = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
    expect(paths.join('\n')).toMatch(/\/services\/router must NOT have (additional|unevaluated) properties/)
    expect(paths.join('\n')).toMatch(
      /\/services\/identity\/depends_on\/postgres\/condition must be equal to one of the allowed values/,
    )
  })

  it('runs every AIaaS process from the one image, and each is a command of the CLI', async () => {
    const help = await run(process.execPath, ['gateways/cli/aiaas.ts', 'help'])
    for (const name of PROCESSES) {
      expect(help.stdout, `aiaas ${name}`).toMatch(new RegExp(`^  ${name}\\s`, 'm'))
      expect(compose.services[name]?.command, name).toEqual([name])
    }
    const commands = aiaasServices.map(([, s]) => s.command?.[0]).sort()
    expect(commands).toEqual([...PROCESSES, 'migrate'].sort())
    expect(new Set(aiaasServices.map(([, s]) => s.image))).toEqual(
      // The file's own text, an interpolation Compose resolves (split so it is no template string).
      new Set(['$' + '{AIAAS_IMAGE:-aiaas:local}']),
    )
  })

  it('runs every backing service, with its data on a named volume', () => {
    for (const [name, image] of Object.entries(BACKING)) {
      const service = compose.services[name]
      expect(service?.image, name).toMatch(new RegExp(`^${image}[\\w.-]+$`))
      const volume = service?.volumes?.[0]?.split(':')[0]
      expect(volume && volume in compose.volumes, `${name} volume ${volume}`).toBe(true)
    }
  })

  it('starts the processes once migrate has completed and the engines are healthy', () => {
    expect(compose.services.migrate?.command).toEqual(['migrate'])
    expect(compose.services.migrate?.restart).toBe('no')
    const waited = ['migrate', 'postgres', 'redis', 'rabbitmq', 'kafka', 's3-bucket']
    for (const name of PROCESSES.filter((p) => p !== 'mock-model')) {
      const depends = compose.services[name]?.depends_on as Record<string, { condition: string }>
      expect(Object.keys(depends).sort(), name).toEqual([...waited].sort())
      expect(depends.migrate?.condition).toBe('service_completed_successfully')
      expect(depends.postgres?.condition).toBe('service_healthy')
    }
    for (const name of ['postgres', 'redis', 'rabbitmq', 'kafka'])
      expect(compose.services[name]?.healthcheck?.test.length, name).toBeGreaterThan(0)
  })

  it('checks the health of each process on the path it serves', () => {
    for (const name of PROCESSES) {
      const test = compose.services[name]?.healthcheck?.test.join(' ') ?? ''
      const api = API_HEALTH[name]
      if (api) expect(test, name).toContain(`http://127.0.0.1:${api.port}${api.ready}`)
      else if (name === 'mock-model') expect(test).toContain('http://127.0.0.1:8090/v1/models')
      else expect(test, name).toContain(`http://127.0.0.1:${METRICS_PORT}/healthz`)
      expect(compose.services[name]?.read_only, name).toBe(true)
    }
  })

  it('sets only variables the platform declares (infra/config/config.ts)', () => {
    const declared = new Set(Object.keys(configVariables))
    for (const name of Object.keys(envFile('infra/deploy/compose/aiaas.env')))
      expect(declared.has(name), name).toBe(true)
    for (const [service, s] of aiaasServices)
      for (const name of Object.keys(s.environment ?? {}))
        expect(declared.has(name), `${service}: ${name}`).toBe(true)
  })

  it('holds no secret: each comes from the --env-file, which dev.env fills with marked values', () => {
    const secrets = new Set<string>(SECRET_VARIABLES)
    expect(Object.keys(envFile('infra/deploy/compose/aiaas.env')).filter((n) => secrets.has(n))).toEqual([])
    for (const [service, s] of aiaasServices)
      for (const name of SECRET_VARIABLES)
        expect(s.environment?.[name], `${service}: ${name}`).toMatch(/\$\{AIAAS_[A-Z0-9_]+:\?/)
    const required = new Set([...text.matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]))
    const dev = envFile('infra/deploy/compose/dev.env')
    expect(Object.keys(dev).sort()).toEqual([...required].sort())
    expect(readRepoFile('infra/deploy/compose/dev.env')).toMatch(/^# LOCAL DEVELOPMENT ONLY/)
    for (const [name, value] of Object.entries(dev))
      if (name !== 'AIAAS_KEK') expect(value, name).toMatch(/^local-dev-only/)
  })

  it("points analytics at the identity service for the issuer's keys", () => {
    expect(envFile('infra/deploy/compose/aiaas.env').AIAAS_IDENTITY_URL).toBe('http://identity:8081')
    expect(compose.services.identity?.command).toEqual(['identity'])
  })

  it('lets the console, served by identity, call analytics where the host publishes them', () => {
    const env = envFile('infra/deploy/compose/aiaas.env')
    const published = (service: string) =>
      `http://localhost:${compose.services[service]?.ports?.[0]?.split(':')[1]}`
    expect(env.AIAAS_CONSOLE_ORIGIN).toBe(published('identity'))
    expect(env.AIAAS_ISSUER_URL).toBe(`${published('identity')}/oauth2`)
    expect(env.AIAAS_CONSOLE_ANALYTICS_URL).toBe(published('analytics'))
  })

  it("creates the export bucket with s3-bucket's script, on a versitygw like the s3 service", async () => {
    const config = loadConfig()
    const bucket = `aiaas-compose-${randomBytes(4).toString('hex')}`
    // The script as Compose hands it to sh: $$ is a literal $; the s3 service's address is ours.
    const script = (compose.services['s3-bucket']?.command?.[0] ?? '')
      .replaceAll('$$', '$')
      .replaceAll('http://s3:9000/aiaas-exports', `${config.AIAAS_S3_ENDPOINT}/${bucket}`)
      .replace('seq 1 60', 'seq 1 2')
    expect(script).toContain(`${config.AIAAS_S3_ENDPOINT}/${bucket}`)
    const withUser = (user: string) => run('sh', ['-c', script], { S3_USER: user })
    const s3 = new S3Client({
      endpoint: config.AIAAS_S3_ENDPOINT,
      region: config.AIAAS_S3_REGION,
      credentials: {
        accessKeyId: config.AIAAS_S3_ACCESS_KEY_ID,
        secretAccessKey: config.AIAAS_S3_SECRET_ACCESS_KEY,
      },
      forcePathStyle: true,
    })
    try {
      const wrong = await withUser(`${config.AIAAS_S3_ACCESS_KEY_ID}:not-the-secret`)
      expect(wrong.code).toBe(1)
      expect(wrong.stderr).toContain('bucket not created (last HTTP status 403)')
      const user = `${config.AIAAS_S3_ACCESS_KEY_ID}:${config.AIAAS_S3_SECRET_ACCESS_KEY}`
      expect((await withUser(user)).code).toBe(0)
      await s3.send(new HeadBucketCommand({ Bucket: bucket }))
      // Run again (a restart of the project): the bucket exists, which is success too.
      expect((await withUser(user)).code).toBe(0)
    } finally {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {})
      s3.destroy()
    }
    expect(envFile('infra/deploy/compose/aiaas.env').AIAAS_S3_BUCKET).toBe('aiaas-exports')
  })

  it('gives values the platform accepts (the dev KEK, the URLs built from the secrets)', () => {
    const dev = envFile('infra/deploy/compose/dev.env')
    const interpolate = (value: string) =>
      value.replace(/\$\{([A-Z0-9_]+):\?[^}]*\}/g, (_, name: string) => dev[name] ?? '')
    const environment = Object.fromEntries(
      Object.entries(compose.services.router?.environment ?? {}).map(([k, v]) => [k, interpolate(v)]),
    )
    expect(() => loadConfig({ ...envFile('infra/deploy/compose/aiaas.env'), ...environment })).not.toThrow()
  })
})

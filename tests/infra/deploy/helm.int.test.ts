import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { configVariables } from '../../../infra/config/config.ts'
import {
  CHART,
  HELM,
  KUBE_SCHEMA_LOCATION,
  KUBE_VERSIONS,
  KUBECONFORM,
  readRepoFile,
  run,
} from './deploy-tools.ts'
import { API_HEALTH, METRICS_PORT, PROCESSES, SECRET_VARIABLES } from './processes.ts'

// The chart in infra/deploy/helm/aiaas: `helm lint`, `helm template` with the default values and
// with a production-like file (ci/production-values.yaml), the output validated by
// `kubeconform -strict` against the Kubernetes schemas infra/services installs, then what an
// operator relies on. No cluster runs here: the manifests are checked, not applied.

// biome-ignore lint/suspicious/noExplicitAny: manifests are arbitrary YAML, read field by field
type Manifest = any
const PRODUCTION = join(CHART, 'ci', 'production-values.yaml')
const scratch = mkdtempSync(join(tmpdir(), 'aiaas-helm-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

async function template(...args: string[]): Promise<{ text: string; manifests: Manifest[] }> {
  const result = await run(HELM, ['template', 'aiaas', CHART, ...args])
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  const manifests = parseAllDocuments(result.stdout)
    .map((d) => d.toJS())
    .filter(Boolean)
  return { text: result.stdout, manifests }
}

async function kubeconform(text: string, version: string) {
  const file = join(scratch, `rendered-${version}-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, text)
  const args = [
    '-strict',
    '-summary',
    '-kubernetes-version',
    version,
    '-schema-location',
    KUBE_SCHEMA_LOCATION,
  ]
  return run(KUBECONFORM, [...args, file])
}

const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind)
const componentOf = (m: Manifest): string => m.metadata.labels['app.kubernetes.io/component']
const podSpecs = (manifests: Manifest[]) =>
  [...ofKind(manifests, 'Deployment'), ...ofKind(manifests, 'Job')].map((m) => ({
    name: m.metadata.name as string,
    pod: m.spec.template.spec,
    annotations: m.spec.template.metadata.annotations ?? {},
  }))

describe('the Helm chart', () => {
  let defaults: { text: string; manifests: Manifest[] }
  let production: { text: string; manifests: Manifest[] }
  let everything: { text: string; manifests: Manifest[] }
  beforeAll(async () => {
    defaults = await template()
    production = await template('-f', PRODUCTION)
    everything = await template('--set', 'reconciler.enabled=true', '--set', 'mockModel.enabled=true')
    // Generous bounds for a loaded 2-core machine, not what is measured.
  }, 180_000)

  it('passes helm lint --strict with the default and the production-like values', async () => {
    for (const values of [[], ['-f', PRODUCTION]]) {
      const lint = await run(HELM, ['lint', '--strict', CHART, ...values])
      expect(lint.stdout + lint.stderr).toContain('1 chart(s) linted, 0 chart(s) failed')
      expect(lint.code).toBe(0)
    }
  })

  it('renders manifests valid against the Kubernetes schemas (kubeconform -strict)', async () => {
    for (const [name, render] of Object.entries({ defaults, production, everything })) {
      const kinds = new Set(render.manifests.map((m) => `${m.apiVersion}/${m.kind}`))
      expect([...kinds].sort(), name).toEqual(
        expect.arrayContaining(['autoscaling/v2/HorizontalPodAutoscaler', 'policy/v1/PodDisruptionBudget']),
      )
      for (const version of KUBE_VERSIONS) {
        const result = await kubeconform(render.text, version)
        const count = render.manifests.length
        expect(result.stdout, `${name} on ${version}`).toContain(
          `${count} resources found in 1 file - Valid: ${count}, Invalid: 0, Errors: 0, Skipped: 0`,
        )
        expect(result.code).toBe(0)
      }
    }
  }, 240_000)

  it('has kubeconform reject a manifest that does not fit the schema', async () => {
    const broken = defaults.text.replace('containerPort:', 'containerPorts:')
    const result = await kubeconform(broken, KUBE_VERSIONS[0])
    expect(result.code).not.toBe(0)
    expect(result.stdout).toMatch(
      /Deployment aiaas-[a-z-]+ is invalid: .*additional properties 'containerPorts'/,
    )
  })

  it('runs one Deployment per process, each the one image with its own command', () => {
    const deployments = ofKind(everything.manifests, 'Deployment')
    expect(deployments.map(componentOf).sort()).toEqual([...PROCESSES].sort())
    for (const d of deployments) {
      const [container] = d.spec.template.spec.containers
      expect(container.args, componentOf(d)).toEqual([componentOf(d)])
      expect(container.image).toBe(
        `aiaas:${readRepoFile('infra/deploy/helm/aiaas/Chart.yaml').match(/appVersion: "(.+)"/)?.[1]}`,
      )
    }
    // The defaults leave the optional ones out (tenants as code, the echo backend).
    expect(ofKind(defaults.manifests, 'Deployment').map(componentOf).sort()).toEqual(
      PROCESSES.filter((p) => p !== 'reconciler' && p !== 'mock-model').sort(),
    )
  })

  it('probes each process on the healthz and readyz it serves', () => {
    for (const d of ofKind(everything.manifests, 'Deployment')) {
      const name = componentOf(d)
      const [c] = d.spec.template.spec.containers
      const api = API_HEALTH[name]
      const expected =
        api ??
        (name === 'mock-model'
          ? { port: 8090, live: '/v1/models', ready: '/v1/models' }
          : { port: METRICS_PORT, live: '/healthz', ready: '/healthz' })
      expect(c.livenessProbe.httpGet, name).toEqual({ path: expected.live, port: expected.port })
      expect(c.readinessProbe.httpGet, name).toEqual({ path: expected.ready, port: expected.port })
      expect(c.ports.map((p: Manifest) => p.containerPort)).toEqual([expected.port])
    }
  })

  it('has Prometheus scrape each process on the port and path of its /metrics', () => {
    for (const d of ofKind(everything.manifests, 'Deployment')) {
      const annotations = d.spec.template.metadata.annotations
      const port = d.spec.template.spec.containers[0].ports[0].containerPort
      expect(annotations['prometheus.io/scrape'], componentOf(d)).toBe('true')
      expect(annotations['prometheus.io/port']).toBe(String(port))
      expect(annotations['prometheus.io/path']).toBe('/metrics')
    }
  })

  it('references secrets in the existing Secret and never inlines one', () => {
    for (const [render, secret] of [
      [defaults, 'aiaas'],
      [production, 'aiaas-production'],
    ] as const) {
      expect(ofKind(render.manifests, 'Secret')).toEqual([])
      const [config] = ofKind(render.manifests, 'ConfigMap')
      for (const name of SECRET_VARIABLES) expect(config.data, name).not.toHaveProperty(name)
      for (const { name, pod } of podSpecs(render.manifests)) {
        const env: Manifest[] = pod.containers[0].env
        const secrets = env.filter((e) => (SECRET_VARIABLES as readonly string[]).includes(e.name))
        expect(secrets.length, name).toBeGreaterThan(0)
        for (const e of secrets) {
          expect(e.value, `${name}: ${e.name}`).toBeUndefined()
          expect(e.valueFrom.secretKeyRef.name).toBe(secret)
        }
      }
    }
  })

  it('sets only variables the platform declares (infra/config/config.ts)', () => {
    const declared = new Set(Object.keys(configVariables))
    for (const render of [production, everything]) {
      const [config] = ofKind(render.manifests, 'ConfigMap')
      for (const name of Object.keys(config.data)) expect(declared.has(name), name).toBe(true)
      for (const { name, pod } of podSpecs(render.manifests))
        for (const e of pod.containers[0].env) expect(declared.has(e.name), `${name}: ${e.name}`).toBe(true)
    }
  })

  it('requests resources for every container and runs it non-root on a read-only root', () => {
    for (const render of [defaults, production]) {
      for (const { name, pod } of podSpecs(render.manifests)) {
        expect(pod.securityContext, name).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 })
        for (const c of pod.containers) {
          expect(c.resources.requests, name).toMatchObject({
            cpu: expect.anything(),
            memory: expect.anything(),
          })
          expect(c.securityContext, name).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          })
        }
      }
    }
  })

  it('scales the router with an HPA and keeps it available with a PDB', () => {
    for (const render of [defaults, production]) {
      const [hpa] = ofKind(render.manifests, 'HorizontalPodAutoscaler')
      const [pdb] = ofKind(render.manifests, 'PodDisruptionBudget')
      const router = ofKind(render.manifests, 'Deployment').find((d) => componentOf(d) === 'router')
      expect(hpa.spec.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: router.metadata.name,
      })
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2)
      // The HPA owns the replica count: an upgrade must not reset it.
      expect(router.spec).not.toHaveProperty('replicas')
      expect(pdb.spec.selector.matchLabels).toEqual(router.spec.selector.matchLabels)
      expect(router.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels)
    }
  })

  it('gives the APIs Services and the headless workers none', () => {
    const services = ofKind(everything.manifests, 'Service')
    expect(services.map(componentOf).sort()).toEqual(['analytics', 'identity', 'mock-model', 'router'])
    for (const s of services) {
      const d = ofKind(everything.manifests, 'Deployment').find((x) => componentOf(x) === componentOf(s))
      expect(d.spec.template.metadata.labels).toMatchObject(s.spec.selector)
      expect(s.spec.ports[0].targetPort).toBe(d.spec.template.spec.containers[0].ports[0].name)
    }
  })

  it("points analytics at identity's Service for the issuer's keys, and names an issuer", () => {
    const identity = ofKind(defaults.manifests, 'Service').find((s) => componentOf(s) === 'identity')
    const [config] = ofKind(defaults.manifests, 'ConfigMap')
    const base = `http://${identity.metadata.name}:${identity.spec.ports[0].port}`
    expect(config.data.AIAAS_IDENTITY_URL).toBe(base)
    // The issuer names one address every pod shares unless the values give the public one.
    expect(config.data.AIAAS_ISSUER_URL).toBe(`${base}/oauth2`)
    const [productionConfig] = ofKind(production.manifests, 'ConfigMap')
    expect(productionConfig.data.AIAAS_ISSUER_URL).toBe('https://aiaas.example.com/oauth2')
  })

  it('migrates the schema in a Job that helm runs before each install and upgrade', () => {
    const [job] = ofKind(defaults.manifests, 'Job')
    expect(job.metadata.annotations['helm.sh/hook'].split(',').sort()).toEqual(['pre-install', 'pre-upgrade'])
    const [c] = job.spec.template.spec.containers
    expect(c.args).toEqual(['migrate'])
    expect(c.env).toEqual([
      { name: 'AIAAS_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'aiaas', key: 'database-url' } } },
    ])
    expect(job.spec.template.spec.restartPolicy).toBe('Never')
  })
})

describe('the chart values schema', () => {
  it('takes every platform variable as a setting, but the secrets only from the Secret', () => {
    const schema = JSON.parse(readRepoFile('infra/deploy/helm/aiaas/values.schema.json'))
    const validate = new Ajv({ strict: false }).compile(schema.definitions.plainEnv)
    const secrets = new Set<string>(SECRET_VARIABLES)
    for (const name of Object.keys(configVariables))
      expect(validate({ [name]: 'x' }), name).toBe(!secrets.has(name))
    expect(Object.keys(schema.properties.secrets.properties.keys.properties).sort()).toEqual(
      [...secrets].sort(),
    )
  })

  const broken: Record<string, [string, RegExp]> = {
    'a count as text': ['router:\n  replicas: two\n', /\/router\/replicas.*want integer/],
    // helm merges given values into the defaults: null is how a default is taken away.
    'no resource requests': ['ingest:\n  resources:\n    requests: null\n', /\/ingest\/resources.*requests/],
    'a secret among the plain settings': [
      'config:\n  AIAAS_KEK: "k1:abc"\n',
      /invalid propertyName 'AIAAS_KEK'/,
    ],
    'no Secret named': ['secrets:\n  existingSecret: ""\n', /\/secrets\/existingSecret/],
    'a variable the platform does not have': [
      'config:\n  DATABASE_URL: postgres://x\n',
      /'DATABASE_URL' does not match pattern/,
    ],
  }
  for (const [what, [values, error]] of Object.entries(broken)) {
    it(`refuses values with ${what}`, async () => {
      const file = join(scratch, `${what.replaceAll(' ', '-')}.yaml`)
      writeFileSync(file, values)
      const result = await run(HELM, ['template', 'aiaas', CHART, '-f', file])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain("values don't meet the specifications of the schema")
      expect(result.stderr).toMatch(error)
    })
  }
})

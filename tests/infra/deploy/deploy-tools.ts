import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

// Where infra/services installs the deployment checks' tools and schemas (helm.sh,
// kubeconform.sh, schemas.sh), and a way to run them. Not a test file: the deploy tests share it.

export const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const STATE = process.env.AIAAS_SERVICES_STATE ?? join(ROOT, 'infra', 'services', '.state')
export const HELM = join(STATE, 'bin', 'helm')
export const KUBECONFORM = join(STATE, 'bin', 'kubeconform')
export const COMPOSE_SCHEMA = join(STATE, 'schemas', 'compose-spec.json')
export const CHART = join(ROOT, 'infra', 'deploy', 'helm', 'aiaas')

/** kubeconform's -schema-location for the schemas.sh installs (the strict "-local" flavour). */
export const KUBE_SCHEMA_LOCATION = join(
  STATE,
  'schemas',
  'kubernetes',
  '{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json',
)
/** The Kubernetes versions schemas.sh installs: the chart's oldest and the newest known. */
export const KUBE_VERSIONS = ['1.30.0', '1.37.0'] as const

export const readRepoFile = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** Runs a program to its end; a non-zero exit is a result, not an exception. */
export function run(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Ran> {
  if (command.startsWith(STATE) && !existsSync(command))
    throw new Error(`${command} is not installed: run \`make services\` (infra/services/services.sh start)`)
  return new Promise((done, fail) => {
    const options = { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 }
    execFile(command, args, options, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') fail(error)
      else done({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr })
    })
  })
}

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, readRepoFile } from './deploy-tools.ts'

// infra/deploy/image/Dockerfile, read as text: no container engine here builds it (docs/deployment.md).

const dockerfile = readRepoFile('infra/deploy/image/Dockerfile')
const [, buildStage = '', runtimeStage = ''] = dockerfile.split(/^FROM /m)
const instructions = (stage: string, name: string) =>
  stage
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))

// Imports that load code at run time: `import … from '…'` (over several lines too; `import type`
// is erased), `import '…'`, `export … from '…'`, and import('…') of a literal.
const IMPORTED =
  /^import\s+(?!type\b)[^'";]*?from\s*'([^']+)'|^import\s*'([^']+)'|^export\s+(?!type\b)[^'";(=]*?\bfrom\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm

/** Every file the CLI loads (relative imports followed from gateways/cli/aiaas.ts), and the packages they import. */
function importClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const queue = [resolve(ROOT, entry)]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (files.has(file)) continue
    files.add(file)
    for (const [, ...alternatives] of readFileSync(file, 'utf8').matchAll(IMPORTED)) {
      const specifier = alternatives.find((a) => a !== undefined) ?? ''
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier)
        if (target.endsWith('.ts') && existsSync(target)) queue.push(target)
        continue
      }
      // 'pkg/sub' and '@scope/pkg/sub' belong to 'pkg' and '@scope/pkg'.
      const parts = specifier.split('/')
      packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!)
    }
  }
  return { files, packages }
}
const closure = importClosure('gateways/cli/aiaas.ts')

describe('the image', () => {
  it('builds on the Node the tests run on (package-lock.json)', () => {
    const lock = JSON.parse(readRepoFile('package-lock.json'))
    const node = lock.packages['node_modules/node'].version
    expect(dockerfile).toContain(`ARG NODE_VERSION=${node}\n`)
    expect(dockerfile.match(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/gm)).toHaveLength(2)
  })

  it('installs, builds the console and drops the dev dependencies in the build stage', () => {
    const run = instructions(buildStage, 'RUN').join('\n')
    expect(run).toMatch(/npm ci\b/)
    expect(run).toMatch(/npm run build:console/)
    expect(run).toMatch(/npm prune --omit=dev/)
    expect(JSON.parse(readRepoFile('package.json')).scripts['build:console']).toMatch(/vite build/)
  })

  it('runs as uid 10001 the CLI, router by default, with no HEALTHCHECK', () => {
    expect(instructions(runtimeStage, 'USER')).toEqual(['USER 10001:10001'])
    expect(instructions(runtimeStage, 'ENTRYPOINT')).toEqual(['ENTRYPOINT ["node", "gateways/cli/aiaas.ts"]'])
    expect(instructions(runtimeStage, 'CMD')).toEqual(['CMD ["router"]'])
    expect(dockerfile).not.toMatch(/^HEALTHCHECK/m)
    expect(instructions(runtimeStage, 'ENV').join(' ')).toMatch(/AIAAS_HOST=0\.0\.0\.0/)
  })

  it('copies every folder the CLI loads code from, and the built console', () => {
    const copied = instructions(runtimeStage, 'COPY').map((line) =>
      line
        .split(/\s+/)
        .at(-2)!
        .replace(/^\/app\//, ''),
    )
    const folders = new Set([...closure.files].map((file) => relative(ROOT, file).split('/')[0]!))
    expect([...folders].sort()).toEqual(['commands', 'domain', 'gateways', 'infra', 'projections'])
    for (const folder of folders) expect(copied, folder).toContain(folder)
    expect(copied).toEqual(expect.arrayContaining(['node_modules', 'build/console', 'package.json']))
    // The kept policy the authorizer loads at run time sits in a copied folder.
    expect(existsSync(join(ROOT, 'domain', 'authorization', 'policy.wasm'))).toBe(true)
  })

  it('keeps every package the CLI imports through `npm prune --omit=dev` (a production dependency)', () => {
    const { dependencies } = JSON.parse(readRepoFile('package.json'))
    const packages = [...closure.packages].filter((p) => !p.startsWith('node:'))
    expect(packages).toEqual(expect.arrayContaining(['fastify', 'pg', 'zod']))
    for (const name of packages) expect(dependencies, name).toHaveProperty([name])
  })

  it('sends no local state, dependencies or git history to the build (.dockerignore)', () => {
    const ignored = readRepoFile('.dockerignore').split('\n')
    expect(ignored).toEqual(
      expect.arrayContaining(['.git', 'node_modules', '.data', 'infra/services/.state', 'build']),
    )
    for (const folder of ['domain', 'commands', 'projections', 'gateways', 'infra'])
      expect(ignored).not.toContain(folder)
  })
})

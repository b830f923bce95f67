import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { KEPT_WASM } from './kept-policy.ts'

// The policy is compiled by the OPA CLI (`opa build -t wasm`) and the result kept in the
// repository (docs/adr/0014), so running the platform never needs the compiler. Only policy.wasm
// is kept: the bundle's data.json is `{}` and its manifest names the one entrypoint below.
// `make policy` runs this file; tests/infra/opa/policy-bundle.int.test.ts compiles again and
// compares, so a policy changed without recompiling fails the build.

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '..', '..')

export const POLICY_SOURCE = 'domain/authorization/policy.rego'
export const ENTRYPOINT = 'aiaas/authz/decision'
/** Installed by infra/services/opa.sh; AIAAS_OPA_BIN points elsewhere. */
export const opaBinary = () =>
  process.env.AIAAS_OPA_BIN ?? join(root, 'infra', 'services', '.state', 'bin', 'opa')

/** Compiles the policy to wasm. Run from the repository root with a relative path: no machine path ends up in the module. */
export async function compilePolicy(opa = opaBinary()): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-policy-'))
  try {
    const bundle = join(dir, 'bundle.tar.gz')
    await run(opa, ['build', '-t', 'wasm', '-e', ENTRYPOINT, '-o', bundle, POLICY_SOURCE], { cwd: root })
    await run('tar', ['-xzf', bundle, '-C', dir, '/policy.wasm'], { cwd: dir })
    return await readFile(join(dir, 'policy.wasm'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  await writeFile(KEPT_WASM, await compilePolicy())
  console.log(`wrote ${KEPT_WASM}`)
}

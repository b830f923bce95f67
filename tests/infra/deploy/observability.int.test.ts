import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, run } from './deploy-tools.ts'

// The alert rules through promtool (infra/services/promtool.sh installs it; AIAAS_PROMTOOL_BIN
// overrides, as AIAAS_OPA_BIN does for the policy tier): the file loads, and the unit tests of
// alerts.test.yaml (input series, the alerts expected at given times) pass.
const PROMTOOL =
  process.env.AIAAS_PROMTOOL_BIN ??
  join(process.env.AIAAS_SERVICES_STATE ?? join(ROOT, 'infra', 'services', '.state'), 'bin', 'promtool')
const RULES_DIR = join(ROOT, 'infra', 'deploy', 'prometheus')

describe('Prometheus alert rules under promtool', () => {
  const scratch: string[] = []
  afterAll(async () => {
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })))
  })

  it('`promtool check rules` accepts alerts.yaml', async () => {
    const checked = await run(PROMTOOL, ['check', 'rules', join(RULES_DIR, 'alerts.yaml')])
    expect(checked.code, checked.stdout + checked.stderr).toBe(0)
    expect(checked.stdout).toMatch(/SUCCESS: \d+ rules found/)
  })

  it('`promtool test rules` passes: each tested alert is pending, fires and resolves when expected', async () => {
    const tested = await run(PROMTOOL, ['test', 'rules', join(RULES_DIR, 'alerts.test.yaml')])
    expect(tested.code, tested.stdout + tested.stderr).toBe(0)
    expect(tested.stdout).toContain('SUCCESS')
  })

  it('the check fails on a rule whose expression is not PromQL (it is a real check)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aiaas-rules-'))
    scratch.push(dir)
    const broken = join(dir, 'broken.yaml')
    await writeFile(
      broken,
      'groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n',
    )
    const checked = await run(PROMTOOL, ['check', 'rules', broken])
    expect(checked.code).not.toBe(0)
  })
})

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { CLI } from './processes.ts'

// Runs the admin CLI as a user does (`node gateways/cli/aiaas.ts …`, Node 24), with only the
// environment given (plus PATH and HOME): no AIAAS_* of the test's own leaks in.

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export async function adminCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}

/** A run's JSON stdout, failing with its stderr when it did not exit 0. */
export function jsonOf(run: CliRun): Record<string, unknown> & { id?: string } {
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr}`)
  return JSON.parse(run.stdout) as Record<string, unknown>
}

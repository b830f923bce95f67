import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../gateways/cli/aiaas.ts', import.meta.url))

export { freePort } from './ports.ts'

export interface Proc {
  name: string
  child: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts `aiaas <command>` on Node 24 (this test's own node) with the given environment; `from`
 * runs another copy of the CLI in another working directory (a fresh copy of the repository).
 */
export function startAiaas(
  command: string,
  env: Record<string, string | undefined>,
  from: { cli: string; cwd: string } = { cli: CLI, cwd: process.cwd() },
): Proc {
  const child = spawn(process.execPath, [from.cli, command], {
    cwd: from.cwd,
    env: { ...process.env, AIAAS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  return {
    name: command,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await once(child, 'exit')
      clearTimeout(timer)
    },
  }
}

/**
 * Runs `aiaas <args>` on Node 24 to its exit (AIAAS_LOG_LEVEL warn unless `env` says): its exit
 * code and what it wrote to stdout and stderr, interleaved as it came.
 */
export async function runAiaas(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: unknown; output: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, AIAAS_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (d: Buffer) => {
      output += d.toString()
    })
  const [code] = await once(child, 'exit')
  return { code, output }
}

/** Polls url until it answers 2xx; fails with the process output after timeoutMs. */
export async function waitForHttp(url: string, proc: Proc, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output()}`)
    try {
      const response = await fetch(url)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${proc.name} not ready at ${url} in ${timeoutMs} ms:\n${proc.output()}`)
}

/** Polls fn until it returns a value that passes accept, within a bounded time. */
export async function eventually<T>(
  fn: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last = await fn()
  while (!accept(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`)
    await new Promise((r) => setTimeout(r, 100))
    last = await fn()
  }
  return last
}

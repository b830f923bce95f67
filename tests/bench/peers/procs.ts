import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { openSync, readdirSync, readFileSync } from 'node:fs'

// The processes of `make bench-peers`. Each is the leader of its own process group, so stopping it
// also stops what it forked (LiteLLM's workers) and nothing else; its output goes to a log file
// (a router logging at info through a pipe the harness would have to drain is not what production
// does), whose tail explains a failed start.

export interface Peer {
  name: string
  child: ChildProcess
  log: string
  stop: () => Promise<void>
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; log: string },
): Peer {
  const out = openSync(options.log, 'a')
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, out],
    detached: true,
  })
  child.on('error', () => {
    // reported by waitReady through exitCode / the log
  })
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // the group is gone already
    }
  }
  return {
    name,
    child,
    log: options.log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup('SIGTERM')
        const timer = setTimeout(() => signalGroup('SIGKILL'), 8000)
        await once(child, 'exit')
        clearTimeout(timer)
      }
      // a worker that outlived its leader
      signalGroup('SIGKILL')
    },
  }
}

export function tail(path: string, chars = 1500): string {
  try {
    return readFileSync(path, 'utf8').slice(-chars)
  } catch {
    return ''
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `probe` resolves true; fails with the log's tail when the process exits or time runs out. */
export async function waitReady(peer: Peer, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (peer.child.exitCode !== null || peer.child.signalCode !== null)
      throw new Error(
        `${peer.name} exited (${peer.child.exitCode ?? peer.child.signalCode}):\n${tail(peer.log)}`,
      )
    try {
      if (await probe()) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  throw new Error(`${peer.name} not ready in ${timeoutMs} ms:\n${tail(peer.log)}`)
}

/** True when a GET answers 2xx within a second. */
export async function answers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
  await response.body?.cancel()
  return response.ok
}

const TICKS_PER_S = 100

/** CPU seconds used so far by every live process of the groups these leaders lead (Linux /proc). */
function groupCpuSeconds(leaders: ReadonlySet<number>): number {
  let ticks = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // Fields after the command name, which may hold spaces: state ppid pgrp … utime(12th) stime(13th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (leaders.has(Number(fields[2]))) ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks / TICKS_PER_S
}

/**
 * Waits until these processes are idle (under 5 % of a core over half a second), at most
 * `timeoutMs`: a peer left with a backlog by an overload would otherwise spend the next peer's
 * turn finishing it. Returns false when they were still busy at the deadline.
 */
export async function settle(peers: readonly Peer[], timeoutMs = 20_000): Promise<boolean> {
  const leaders = new Set(peers.flatMap((peer) => (peer.child.pid === undefined ? [] : [peer.child.pid])))
  if (leaders.size === 0) return true
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const before = groupCpuSeconds(leaders)
    await sleep(500)
    if ((groupCpuSeconds(leaders) - before) / 0.5 < 0.05) return true
  }
  return false
}

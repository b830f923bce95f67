import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type OpenLoopFigures, parseVegeta, vegetaAttackArgs, vegetaTargets } from './vegeta.ts'
import { type HttpTarget, type LoadFigures, parseWrk, wrkArgs, wrkScript } from './wrk.ts'

// Runs the load tools on one target. Every run is bounded: wrk and vegeta stop at their duration,
// and a run that has not finished 30 s after it is killed.

const run = promisify(execFile)
const GRACE_MS = 30_000

export interface Tools {
  /** null: not installed, that loop is left out. */
  wrk: string | null
  vegeta: string | null
  /** wrk threads (one per core: wrk shares the machine with every peer). */
  threads: number
  dir: string
}

let files = 0

async function scriptFor(tools: Tools, target: HttpTarget): Promise<string> {
  const path = join(tools.dir, `post-${files++}.lua`)
  await writeFile(path, wrkScript(target))
  return path
}

export async function closedLoop(
  tools: Tools,
  target: HttpTarget,
  connections: number,
  seconds: number,
): Promise<LoadFigures> {
  if (!tools.wrk) throw new Error('wrk is not installed')
  const script = await scriptFor(tools, target)
  const args = wrkArgs({ url: target.url, connections, seconds, script, threads: tools.threads })
  const { stdout } = await run(tools.wrk, args, { timeout: seconds * 1000 + GRACE_MS, maxBuffer: 1 << 20 })
  return parseWrk(stdout)
}

export async function openLoop(
  tools: Tools,
  target: HttpTarget,
  ratePerS: number,
  seconds: number,
): Promise<OpenLoopFigures> {
  const vegeta = tools.vegeta
  if (!vegeta) throw new Error('vegeta is not installed')
  const n = files++
  const body = join(tools.dir, `body-${n}.json`)
  const targets = join(tools.dir, `targets-${n}.txt`)
  const output = join(tools.dir, `attack-${n}.bin`)
  await writeFile(body, target.body)
  await writeFile(targets, vegetaTargets(target, body))
  await run(vegeta, vegetaAttackArgs({ targets, ratePerS, seconds, output }), {
    timeout: seconds * 1000 + GRACE_MS,
  })
  const { stdout } = await run(vegeta, ['report', '-type=json', output], {
    timeout: GRACE_MS,
    maxBuffer: 1 << 24,
  })
  return parseVegeta(stdout, { ratePerS, seconds })
}

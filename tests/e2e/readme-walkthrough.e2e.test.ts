import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, type Proc, startAiaas, waitForHttp } from '../support/processes.ts'
import { usageOf } from '../support/walkthrough.ts'

// The README's walk-through, run as a newcomer runs it: its ```bash walkthrough blocks, in order,
// saved to a file and run with `bash -e` against `aiaas dev`.
//
// "Fresh clone" here is a copy of the working tree's tracked and unignored files (so uncommitted
// README edits are what gets tested) into a temp dir, with node_modules symlinked to this
// repository's: a real `git clone` would need an `npm ci` per run (minutes). The CLI is started
// from the copy with the copy as working directory, as `npx aiaas dev` would; not through
// `make run`, whose install step could run `npm ci` through the symlink.
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

async function freshCopy(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'aiaas-readme-'))
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
  for (const file of files.split('\0').filter((f) => f && existsSync(join(REPO, f)))) {
    await mkdir(dirname(join(root, file)), { recursive: true })
    await cp(join(REPO, file), join(root, file))
  }
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir')
  return root
}

/** The README's blocks marked `bash walkthrough`, joined in order. */
async function walkthroughScript(root: string): Promise<string> {
  const readme = await readFile(join(root, 'README.md'), 'utf8')
  const blocks = [...readme.matchAll(/^```bash walkthrough\n([\s\S]*?)^```$/gm)].map((m) => m[1])
  expect(blocks.length).toBeGreaterThanOrEqual(3)
  return blocks.join('\n')
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** `bash -e walkthrough.sh` in `cwd`, with the shell environment a reader would have. */
function runBash(cwd: string, env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((done) => {
    const shellEnv = { ...process.env, AIAAS_DATA_DIR: undefined, AIAAS_ADMIN_TOKEN: undefined, ...env }
    execFile(
      'bash',
      ['-e', 'walkthrough.sh'],
      { cwd, env: shellEnv, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ code, stdout, stderr })
      },
    )
  })
}

async function expectWalkthroughWorks(run: Run, base: string, adminToken: string) {
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  const organizationId = /^organization: ([0-9a-f-]{36})$/m.exec(run.stdout)?.[1]
  expect(organizationId).toBeDefined()
  expect(run.stdout).toMatch(/^API key: sk-aiaas-/m)
  expect(run.stdout).toContain('"content":"Hello, AIaaS!"')
  expect(run.stdout).toContain('data: [DONE]')
  expect(run.stdout).toMatch(/"limit_usd":"5\.00","period":"monthly","enforcement":"hard"/)
  expect(run.stdout.match(/\{"status":"ready"/g)).toHaveLength(3)
  // Step 6: the service account's own token lists its organization's key.
  expect(run.stdout).toMatch(/^keys seen by the service account: \{"object":"list","data":\[\{"id":/m)
  // Both completions reach analytics with a cost: what step 5 shows once they are ingested.
  const e = { admin: base, router: base, analytics: base, adminToken }
  const usage = await usageOf(e, organizationId ?? '', 2)
  expect(usage.data.reduce((n, row) => n + Number(row.cost_usd), 0)).toBeGreaterThan(0)
}

const dataDirCases = [
  { name: 'AIAAS_DATA_DIR unset (./.data)', inCopy: true },
  { name: 'AIAAS_DATA_DIR set, elsewhere', inCopy: false },
]

for (const { name, inCopy } of dataDirCases)
  describe(`README walk-through from a fresh copy, ${name}`, () => {
    let root: string
    let dataDir: string
    let proc: Proc
    let port: number
    let base: string
    let env: Record<string, string | undefined>

    beforeAll(async () => {
      root = await freshCopy()
      await writeFile(join(root, 'walkthrough.sh'), await walkthroughScript(root))
      // Set: a directory elsewhere that does not exist yet; unset: the default ./.data of the copy.
      dataDir = inCopy ? join(root, '.data') : join(root, '..', `${root.split('/').pop()}-data`)
      port = await freePort()
      base = `http://127.0.0.1:${port}`
      env = { PORT: String(port), AIAAS_DATA_DIR: inCopy ? undefined : dataDir, AIAAS_ADMIN_TOKEN: undefined }
      proc = startAiaas('dev', env, { cli: join(root, 'gateways/cli/aiaas.ts'), cwd: root })
      await waitForHttp(`${base}/v1/status/healthz`, proc)
    })

    afterAll(async () => {
      await proc?.stop()
      await rm(root, { recursive: true, force: true })
      await rm(dataDir, { recursive: true, force: true })
    })

    it('prints where the admin token is, and the walk-through runs to the end', async () => {
      const tokenFile = join(dataDir, 'admin-token')
      expect(proc.output()).toContain(`admin token: in ${tokenFile}`)
      const run = await runBash(root, env)
      await expectWalkthroughWorks(run, base, (await readFile(tokenFile, 'utf8')).trim())
    })

    it('stops at the first error, naming it, when the shell looks for the token in the wrong place', async () => {
      const run = await runBash(root, { ...env, AIAAS_DATA_DIR: join(root, 'elsewhere') })
      expect(run.code).not.toBe(0)
      expect(run.stderr).toContain('elsewhere/admin-token: No such file or directory')
      expect(run.stdout).toBe('')
    })

    it('stops at the first request the API refuses, instead of carrying on with an empty id', async () => {
      const run = await runBash(root, { ...env, AIAAS_ADMIN_TOKEN: 'not-the-admin-token' })
      expect(run.code).not.toBe(0)
      expect(run.stderr).toContain('returned error: 401')
      expect(run.stdout).not.toContain('organization:')
      expect(run.stdout).not.toContain('API key:')
    })
  })

describe('npx aiaas', () => {
  it('runs the CLI on the Node 24 from node_modules, even when the shell has an older node first', async () => {
    const root = await freshCopy()
    try {
      // The PATH a newcomer's shell has: without this repository's node_modules/.bin.
      const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes('node_modules'))
      const run = await new Promise<Run>((done) => {
        const env = { ...process.env, PATH: path.join(delimiter) }
        execFile('npx', ['aiaas', 'help'], { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) =>
          done({ code: error ? 1 : 0, stdout, stderr }),
        )
      })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('usage: aiaas <command>')
      expect(run.stdout).toMatch(/^ {2}dev {13}everything embedded/m)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})

import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const identity = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
}

/** A git repository in a temporary directory, on branch main; commit() writes files and commits. */
export async function gitRepository() {
  const dir = await mkdtemp(join(tmpdir(), 'aiaas-tenants-'))
  const git = async (...args: string[]) =>
    (await run('git', ['-C', dir, ...args], { env: { ...process.env, ...identity } })).stdout.trim()
  await git('init', '--quiet', '--initial-branch=main')
  return {
    dir,
    git,
    /** Writes the files (relative paths), commits them all, and returns the commit's sha. */
    async commit(files: Record<string, string>, message = 'change'): Promise<string> {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true })
        await writeFile(join(dir, path), text)
      }
      await git('add', '--all')
      await git('commit', '--quiet', '--allow-empty', '-m', message)
      return git('rev-parse', 'HEAD')
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  }
}

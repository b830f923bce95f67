import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'

// A git repository read through the git CLI (ADR 0024): a bare clone in a work dir, fetched on
// each read, and files read at one commit (never a checkout: no work tree to go stale). execFile,
// never a shell; `--` and --end-of-options keep a source or ref from being read as an option.

const run = promisify(execFile)
const MAX_OUTPUT = 64 * 1024 * 1024

export interface RepositorySnapshot {
  commit: string
  files: { path: string; text: string }[]
}

export class GitError extends Error {
  readonly code = 'GIT_FAILED'
}

async function git(dir: string | null, args: readonly string[]): Promise<string> {
  const where = dir === null ? [] : ['-C', dir]
  try {
    const { stdout } = await run('git', [...where, ...args], {
      maxBuffer: MAX_OUTPUT,
      // No prompt for credentials: a reconciler has no one to answer it.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
    })
    return stdout
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(error)
    throw new GitError(`git ${args[0]}: ${detail}`)
  }
}

/** The bare clone of `source` (a path or URL) under `workDir`, made on first use, fetched after. */
async function fetched(source: string, workDir: string): Promise<string> {
  const name = createHash('sha256').update(source).digest('hex').slice(0, 16)
  const dir = join(workDir, `${name}.git`)
  if (!existsSync(dir)) {
    await mkdir(workDir, { recursive: true })
    await git(null, ['clone', '--bare', '--quiet', '--', source, dir])
    return dir
  }
  await git(dir, [
    'fetch',
    '--quiet',
    '--prune',
    'origin',
    '+refs/heads/*:refs/heads/*',
    '+refs/tags/*:refs/tags/*',
  ])
  return dir
}

/**
 * `text` without the user and password of a URL source: an error may repeat the URL (git itself
 * strips them from its messages, but a failed command's own message holds its arguments).
 */
export function redacted(text: string, source: string): string {
  if (!URL.canParse(source)) return text
  const url = new URL(source)
  if (url.username === '' && url.password === '') return text
  const bare = Object.assign(new URL(source), { username: '', password: '' }).toString()
  const shown = text.replaceAll(source, bare)
  return url.password === '' ? shown : shown.replaceAll(url.password, '[redacted]')
}

/** The files of `source` at `ref` (a branch, tag, sha or HEAD), with the commit it resolved to. */
export async function readRepository(
  source: string,
  ref: string,
  workDir: string,
): Promise<RepositorySnapshot> {
  try {
    return await readAt(source, ref, workDir)
  } catch (error) {
    if (error instanceof GitError) throw new GitError(redacted(error.message, source))
    throw error
  }
}

async function readAt(source: string, ref: string, workDir: string): Promise<RepositorySnapshot> {
  if (ref.startsWith('-')) throw new GitError(`git: ${ref} is not a ref`)
  const dir = await fetched(source, workDir)
  const commit = (await git(dir, ['rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`])).trim()
  const listing = await git(dir, ['ls-tree', '-r', '-z', '--name-only', commit])
  const paths = listing.split('\0').filter((path) => /\.ya?ml$/.test(path))
  // One at a time: a repository of a thousand files must not start a thousand processes at once.
  const files: RepositorySnapshot['files'] = []
  for (const path of paths) files.push({ path, text: await git(dir, ['show', `${commit}:${path}`]) })
  return { commit, files }
}

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GitError, readRepository } from '../../../infra/git/repository.ts'
import { gitRepository } from '../../support/git-repository.ts'

// The tenants repository through the real git CLI: a bare clone, fetched on every read.
describe('readRepository', () => {
  let repo: Awaited<ReturnType<typeof gitRepository>>
  let workDir: string
  beforeAll(async () => {
    repo = await gitRepository()
    workDir = await mkdtemp(join(tmpdir(), 'aiaas-reconciler-work-'))
  })
  afterAll(async () => {
    await repo?.remove()
    await rm(workDir, { recursive: true, force: true })
  })

  it('reads the YAML files at the commit a ref names, and sees later commits', async () => {
    const first = await repo.commit({
      'aiaas.yaml': 'kind: Repository\n',
      'orgs/a.yaml': 'a: 1\n',
      'README.md': '# x\n',
    })
    const read = await readRepository(repo.dir, 'HEAD', workDir)
    expect(read.commit).toBe(first)
    expect(read.files).toEqual([
      { path: 'aiaas.yaml', text: 'kind: Repository\n' },
      { path: 'orgs/a.yaml', text: 'a: 1\n' },
    ])
    const second = await repo.commit({ 'orgs/a.yaml': 'a: 2\n' })
    const again = await readRepository(repo.dir, 'main', workDir)
    expect(again.commit).toBe(second)
    expect(again.files).toContainEqual({ path: 'orgs/a.yaml', text: 'a: 2\n' })
    // An older commit by its sha: the files as they were then.
    expect((await readRepository(repo.dir, first, workDir)).files).toContainEqual({
      path: 'orgs/a.yaml',
      text: 'a: 1\n',
    })
  })

  it('refuses a ref that would read as an option, and names what git said about a missing one', async () => {
    await expect(readRepository(repo.dir, '--upload-pack=touch /tmp/x', workDir)).rejects.toBeInstanceOf(
      GitError,
    )
    await expect(readRepository(repo.dir, 'no-such-branch', workDir)).rejects.toThrow(/git rev-parse: /)
    await expect(readRepository(join(repo.dir, 'missing'), 'HEAD', workDir)).rejects.toThrow(/git clone: /)
  })
})

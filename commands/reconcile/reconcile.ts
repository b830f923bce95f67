import { withUserIds } from '../../domain/tenants-as-code/desired.ts'
import { type Plan, plan } from '../../domain/tenants-as-code/plan.ts'
import type { Sql } from '../../infra/ports/database.ts'
import type { CommandContext } from '../handle-command.ts'
import { existingUsers, readActual } from './actual.ts'
import { type ApplyDeps, applyChange, type CreatedKey } from './apply.ts'
import { type FileError, loadRepository, type RepositoryFile } from './load-files.ts'

// One reconciliation: read the repository at a commit, validate every file (one bad file and
// nothing is applied), plan against the event store, and with `apply` run the plan.

export interface Snapshot {
  commit: string
  files: RepositoryFile[]
}

export interface ReconcileDeps extends ApplyDeps {
  db: Sql
  /** The repository's files at the commit to reconcile (infra/git/repository.ts). */
  read: () => Promise<Snapshot>
}

export type Outcome =
  | { result: 'invalid'; commit: string; errors: FileError[] }
  | { result: 'planned'; commit: string; plan: Plan }
  | { result: 'applied'; commit: string; plan: Plan; keys: CreatedKey[]; applied: number }
  /** A command failed: those before it were applied, and the keys they created are here. */
  | { result: 'failed'; commit: string; plan: Plan; keys: CreatedKey[]; applied: number; error: unknown }

const contextOf = (deps: ReconcileDeps, commit: string, actor: string): CommandContext => ({
  actor,
  correlation_id: deps.newId(),
  causation_id: null,
  source: 'git',
  commit,
})

export async function reconcile(
  deps: ReconcileDeps,
  mode: 'plan' | 'apply',
  actor: string,
): Promise<Outcome> {
  const { commit, files } = await deps.read()
  const loaded = loadRepository(files)
  if ('errors' in loaded) return { result: 'invalid', commit, errors: loaded.errors }
  const desired = withUserIds(loaded.desired, await existingUsers(deps.db, loaded.desired))
  const planned = plan(desired, await readActual(deps.db, deps.store, desired))
  if (mode === 'plan') return { result: 'planned', commit, plan: planned }
  const context = contextOf(deps, commit, actor)
  const keys: CreatedKey[] = []
  let applied = 0
  for (const change of planned.changes) {
    if (change.action === 'blocked') continue
    try {
      const key = await applyChange(deps, change, context)
      if (key) keys.push(key)
    } catch (error) {
      return { result: 'failed', commit, plan: planned, keys, applied, error }
    }
    applied++
  }
  return { result: 'applied', commit, plan: planned, keys, applied }
}

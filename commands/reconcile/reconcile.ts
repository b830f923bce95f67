import { withCredentials, withUserIds } from '../../domain/tenants-as-code/desired.ts'
import { credentialFingerprint } from '../../domain/tenants-as-code/identity.ts'
import type { Desired } from '../../domain/tenants-as-code/model.ts'
import { type Plan, plan } from '../../domain/tenants-as-code/plan.ts'
import type { Database } from '../../infra/ports/database.ts'
import type { CommandContext } from '../handle-command.ts'
import { existingUsers, readActual } from './actual.ts'
import { type ApplyDeps, applyChange, type CreatedKey, type Credentials } from './apply.ts'
import { type FileError, loadRepository, type RepositoryFile } from './load-files.ts'

// One reconciliation: read the repository at a commit, validate every file (one bad file and
// nothing is applied), plan against the event store, and with `apply` run the plan.

export interface Snapshot {
  commit: string
  files: RepositoryFile[]
}

export interface ReconcileDeps extends ApplyDeps {
  db: Database
  /** The repository's files at the commit to reconcile (infra/git/repository.ts). */
  read: () => Promise<Snapshot>
  /** A backend key's file (api_key_file): the secret, read on the reconciler's machine. */
  readSecretFile: (path: string) => Promise<string>
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

// Reconcilers of one database (a process and a CLI run, two replicas) take turns from plan to the
// last command: the second plans on what the first applied, instead of both creating the same
// resources and one failing. A transaction-scoped advisory lock, held on its own connection while
// the commands run on others (a pool promises no session).
const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('aiaas.reconciler.' || current_schema(), 0))`

/** The keys the models' api_key_files hold: read once per run; only fingerprints reach the plan. */
async function credentialsOf(deps: ReconcileDeps, desired: Desired): Promise<Credentials> {
  const files = new Set(desired.resources.flatMap((r) => (r.kind === 'model' ? r.api_key_files : [])))
  const credentials = new Map<string, string>()
  for (const file of files) if (file !== null) credentials.set(file, await deps.readSecretFile(file))
  return credentials
}

async function planned(deps: ReconcileDeps, files: RepositoryFile[]) {
  const loaded = loadRepository(files)
  if ('errors' in loaded) return loaded
  const credentials = await credentialsOf(deps, loaded.desired)
  const fingerprints = new Map([...credentials].map(([file, key]) => [file, credentialFingerprint(key)]))
  const users = await existingUsers(deps.db, loaded.desired)
  const desired = withCredentials(withUserIds(loaded.desired, users), fingerprints)
  return { plan: plan(desired, await readActual(deps, desired)), credentials }
}

async function applyPlan(
  deps: ReconcileDeps,
  commit: string,
  { plan, credentials }: { plan: Plan; credentials: Credentials },
  actor: string,
): Promise<Outcome> {
  const context = contextOf(deps, commit, actor)
  const keys: CreatedKey[] = []
  let applied = 0
  for (const change of plan.changes) {
    if (change.action === 'blocked') continue
    try {
      const key = await applyChange(deps, change, context, credentials)
      if (key) keys.push(key)
    } catch (error) {
      return { result: 'failed', commit, plan, keys, applied, error }
    }
    applied++
  }
  return { result: 'applied', commit, plan, keys, applied }
}

export async function reconcile(
  deps: ReconcileDeps,
  mode: 'plan' | 'apply',
  actor: string,
): Promise<Outcome> {
  const { commit, files } = await deps.read()
  if (mode === 'plan') {
    const made = await planned(deps, files)
    if ('errors' in made) return { result: 'invalid', commit, errors: made.errors }
    return { result: 'planned', commit, plan: made.plan }
  }
  return deps.db.transaction(async (tx) => {
    await tx.query(LOCK)
    const made = await planned(deps, files)
    if ('errors' in made) return { result: 'invalid', commit, errors: made.errors }
    return applyPlan(deps, commit, made, actor)
  })
}

import { AppError } from '../../domain/errors.ts'
import { modelDecider } from '../../domain/models/decider.ts'
import { type Model, modelStream } from '../../domain/models/model.ts'
import type { EventStore } from '../../infra/ports/event-store.ts'
import { loadState } from '../handle-command.ts'
import type { Reservations } from '../reservations.ts'
import { ABANDONED_CLAIM_MS } from '../users/create-user.ts'

// Model names and aliases are one namespace across every model: a cross-stream rule, kept as
// emails are (docs/adr/0009-email-reservation.md, "Model names and aliases"). A write claims every
// name it will hold before it appends; a claim held by another model refuses it (409
// MODEL_NAME_TAKEN); after the append, names the model no longer holds are given back.

export interface ModelNameDeps {
  store: EventStore
  now: () => Date
  names: Reservations
}

/** The names a model's state holds: its name and its aliases (none once deleted). */
export function namesHeld(state: Model): string[] {
  return state.status === 'Active' ? [state.definition.name, ...state.definition.aliases] : []
}

const stateOf = async (store: EventStore, model: string) =>
  (await loadState(store, modelStream(model), modelDecider)).state

/**
 * A claim is abandoned when its holder's stream does not hold the name and the claim is older than
 * ABANDONED_CLAIM_MS: younger, its holder may still be appending the write it guards.
 */
async function abandoned(deps: ModelNameDeps, name: string, holder: string, claimedAt: Date) {
  if (deps.now().getTime() - claimedAt.getTime() < ABANDONED_CLAIM_MS) return false
  return !namesHeld(await stateOf(deps.store, holder)).includes(name)
}

async function claimOne(deps: ModelNameDeps, name: string, model: string): Promise<string | null> {
  const claim = await deps.names.claim(name, model, deps.now())
  if (claim.claimed) return null
  const free =
    (await abandoned(deps, name, claim.holder, claim.claimed_at)) &&
    (await deps.names.takeOver(name, claim.holder, model, deps.now()))
  return free ? null : claim.holder
}

/** Gives back each name the model's stream does not hold (now that the write is done or failed). */
async function releaseUnheld(deps: ModelNameDeps, model: string, names: readonly string[]) {
  if (names.length === 0) return
  const held = namesHeld(await stateOf(deps.store, model))
  for (const name of names) if (!held.includes(name)) await deps.names.release(name, model)
}

/**
 * Runs a model write holding every name the model will hold after it (`wantedAfter` the state
 * before it). Names claimed
 * here are given back when the write fails, unless the stream holds them after all (a lost reply
 * whose append committed); names the model held before and holds no longer are given back after.
 */
export async function withModelNames<T>(
  deps: ModelNameDeps,
  model: string,
  wantedAfter: (before: Model) => readonly string[],
  write: () => Promise<T>,
): Promise<T> {
  const state = await stateOf(deps.store, model)
  const before = namesHeld(state)
  const wanted = wantedAfter(state)
  const fresh = wanted.filter((name) => !before.includes(name))
  for (const [index, name] of wanted.entries()) {
    const holder = await claimOne(deps, name, model)
    if (holder === null) continue
    await releaseUnheld(
      deps,
      model,
      fresh.filter((f) => wanted.indexOf(f) < index),
    )
    throw new AppError('MODEL_NAME_TAKEN', `The name \`${name}\` is taken by the model \`${holder}\``, {
      name,
      model: holder,
    })
  }
  let result: T
  try {
    result = await write()
  } catch (error) {
    await releaseUnheld(deps, model, fresh).catch(() => {})
    throw error
  }
  // A failure here leaves claims the stream does not hold; the next claimant takes them over.
  await releaseUnheld(deps, model, before).catch(() => {})
  return result
}

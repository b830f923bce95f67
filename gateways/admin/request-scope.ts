import { AsyncLocalStorage } from 'node:async_hooks'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { CommandDeps } from '../../commands/handle-command.ts'
import { AppError } from '../../domain/errors.ts'
import { type EventStore, NO_STREAM } from '../../infra/ports/event-store.ts'

// What one admin request tells the commands it runs, without every command taking it as a
// parameter: the id source and clock (both derived from an Idempotency-Key, so a request run
// again after a lost outcome decides exactly as the first run did) and a precondition (If-Match).
// The admin plugin runs every handler inside its request's scope (AsyncLocalStorage), and its
// CommandDeps consult the scope, so a route gets both by calling its commands as usual.
export interface RequestScope {
  /** The i-th id drawn by this request; null: fresh uuidv7s. Set by the idempotency hook. */
  ids: ((index: number) => string) | null
  drawn: number
  /** The clock of this request: when its Idempotency-Key was first used; null: the real clock. */
  now: Date | null
  /** The stream version the client last saw (If-Match); the commands must still find it. */
  precondition: { stream: string; version: number } | null
}

const storage = new AsyncLocalStorage<RequestScope>()
const scopes = new WeakMap<FastifyRequest, RequestScope>()

export function scopeOf(request: FastifyRequest): RequestScope {
  let scope = scopes.get(request)
  if (!scope) {
    scope = { ids: null, drawn: 0, now: null, precondition: null }
    scopes.set(request, scope)
  }
  return scope
}

/** Runs every route handler registered in `app` (and its children) inside its request's scope. */
export function runHandlersInScope(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const handler = route.handler
    route.handler = function scoped(request, reply) {
      return storage.run(scopeOf(request), () => handler.call(this, request, reply))
    }
  })
}

function checkPrecondition(stream: string, version: number): void {
  const precondition = storage.getStore()?.precondition
  if (precondition && precondition.stream === stream && precondition.version !== version) {
    throw new AppError('PRECONDITION_FAILED', 'the resource changed since the version in If-Match', {
      expected_version: precondition.version,
      current_version: version,
    })
  }
}

/**
 * The event store as the admin API's commands see it: a whole-stream read (a command loading its
 * state) of the If-Match stream must find the client's version, else 412; an append to it moves
 * the precondition on, so a route running two commands on one resource checks only the first.
 * A concurrent write between load and append fails the append (VERSION_CONFLICT); the command's
 * retry reloads and then meets the 412.
 */
function preconditionedStore(store: EventStore): EventStore {
  return {
    readAll: (options) => store.readAll(options),
    readStream: async (stream, options) => {
      const events = await store.readStream(stream, options)
      if (options === undefined) checkPrecondition(stream, events.at(-1)?.stream_version ?? NO_STREAM)
      return events
    },
    append: async (stream, events, expected) => {
      if (typeof expected === 'number') checkPrecondition(stream, expected)
      const result = await store.append(stream, events, expected)
      const precondition = storage.getStore()?.precondition
      if (precondition?.stream === stream) precondition.version = result.stream_version
      return result
    },
  }
}

/** The admin API's command deps: ids and preconditions follow the request being handled. */
export function scopedCommands(base: CommandDeps): CommandDeps {
  return {
    ...base,
    store: preconditionedStore(base.store),
    now: () => storage.getStore()?.now ?? base.now(),
    newId: () => {
      const scope = storage.getStore()
      return scope?.ids ? scope.ids(scope.drawn++) : base.newId()
    },
  }
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  createModel,
  deleteModel,
  type ModelCommandDeps,
  type ModelWritten,
  updateModel,
} from '../../commands/models/model-commands.ts'
import { AppError } from '../../domain/errors.ts'
import { modelStream } from '../../domain/models/model.ts'
import { createSecretBox } from '../../infra/crypto/secret-box.ts'
import { sqlModelNames } from '../../projections/models/model-names.ts'
import { findModel, listModels, type ModelRecord } from '../../projections/models/model-query.ts'
import { pageInCommitOrder } from '../http/pagination.ts'
import { type AdminDeps, awaitProjectionOrAnswerFromLog, commandContext } from './context.ts'
import { createBody, listQuery, model, modelList, nameParams, patchBody } from './model-schemas.ts'
import { created, requireIfMatch, setETag } from './preconditions.ts'

/** A model as the API shows it: a backend's api key only as set/unset and its last four. */
const shown = ({ version: _version, backends, ...record }: ModelRecord | Written) => ({
  object: 'model' as const,
  ...record,
  strategy: record.strategy ?? 'priority',
  rpm_limit: record.rpm_limit ?? null,
  tpm_limit: record.tpm_limit ?? null,
  backends: backends.map(({ api_key, api_key_hint, ...backend }) => ({
    ...backend,
    api_key_set: api_key !== null,
    api_key_last4: api_key === null ? null : api_key_hint,
  })),
})

type Written = NonNullable<ModelWritten['model']>

/** The model a write left, from the event store: its response never waits on the read model. */
function writtenModel(written: ModelWritten): Written {
  if (!written.model) throw new AppError('MODEL_NOT_FOUND', `The model \`${written.name}\` does not exist`)
  return written.model
}

async function found(deps: AdminDeps, name: string): Promise<ModelRecord> {
  const record = await findModel(deps.readModels, name)
  if (!record) throw new AppError('MODEL_NOT_FOUND', `The model \`${name}\` does not exist`, { model: name })
  return record
}

/** /models: the model catalogue. Create, list, read, change (PATCH) and delete. */
export const modelRoutes: FastifyPluginAsyncZod<AdminDeps> = async (app, deps) => {
  const modelDeps: ModelCommandDeps = {
    commands: deps.commands,
    secrets: deps.secrets ?? createSecretBox(deps.readModels, undefined),
    allowedAddresses: deps.backendAddresses ?? [],
    names: sqlModelNames(deps.readModels),
  }
  // Model writes answer from what the command wrote (writtenModel), not the read model.
  const afterWrite = (position: bigint | null) => awaitProjectionOrAnswerFromLog(deps, position)

  app.post('/models', { schema: { body: createBody, response: { 201: model } } }, async (request, reply) => {
    const written = await createModel(modelDeps, request.body, commandContext(request))
    await afterWrite(written.position)
    const record = writtenModel(written)
    created(reply, `${app.prefix}/models/${encodeURIComponent(written.name)}`)
    setETag(reply, record.version)
    return shown(record)
  })

  app.get(
    '/models',
    { schema: { querystring: listQuery, response: { 200: modelList } } },
    async (request) => {
      const page = await pageInCommitOrder(request.query, (window) => listModels(deps.readModels, window))
      return { ...page, data: page.data.map(shown) }
    },
  )

  app.get(
    '/models/:name',
    { schema: { params: nameParams, response: { 200: model } } },
    async (request, reply) => {
      const record = await found(deps, request.params.name)
      setETag(reply, record.version)
      return shown(record)
    },
  )

  app.patch(
    '/models/:name',
    { schema: { params: nameParams, body: patchBody, response: { 200: model } } },
    async (request, reply) => {
      const { name } = request.params
      requireIfMatch(request, modelStream(name))
      const written = await updateModel(modelDeps, name, request.body, commandContext(request))
      await afterWrite(written.position)
      const record = writtenModel(written)
      setETag(reply, record.version)
      return shown(record)
    },
  )

  app.delete(
    '/models/:name',
    { schema: { params: nameParams, response: { 204: z.null() } } },
    async (request, reply) => {
      const { name } = request.params
      requireIfMatch(request, modelStream(name))
      const written = await deleteModel(modelDeps, name, commandContext(request))
      await afterWrite(written.position)
      return reply.code(204).send(null)
    },
  )
}

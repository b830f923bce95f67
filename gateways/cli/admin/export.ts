import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { z } from 'zod'
import { RANGE_OPTIONS, rangeOf } from './analytics.ts'
import { text } from './args.ts'
import { bodyStream, send } from './client.ts'
import { analytics, type Context, type Subcommand, show } from './command.ts'
import { CliError, EXIT } from './exit-codes.ts'
import type { Column } from './output.ts'
import { progressReporter } from './progress.ts'

// `aiaas export`: a CSV export of usage (docs/analytics.md, "Exports"). It queues the job, follows
// it to done or failed with a progress bar on stderr, and with --output downloads the file from
// the presigned URL (no bearer token: the URL is the credential).

const job = z.object({
  id: z.string(),
  organization_id: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  rows_written: z.number(),
  bytes_written: z.number(),
  error: z.string().nullable(),
  download_url: z.string().optional(),
})
type Job = z.infer<typeof job>

const columns: Column[] = [
  { header: 'ID', field: 'id' },
  { header: 'STATUS', field: 'status' },
  { header: 'ROWS', field: 'rows_written' },
  { header: 'BYTES', field: 'bytes_written' },
]

/** How often the job is read while it runs: a person sees progress, the API sees little load. */
const POLL_MS = 500

function jobOf(body: unknown): Job {
  const parsed = job.safeParse(body)
  if (!parsed.success)
    throw new CliError(EXIT.failed, 'the analytics API answered an export of another shape')
  return parsed.data
}

async function follow(ctx: Context, first: Job): Promise<{ job: Job; body: unknown }> {
  const reporter = progressReporter(ctx.io.err, ctx.io.errIsTty)
  const started = ctx.now().getTime()
  let current = first
  let body: unknown = first
  const query = { organization_id: first.organization_id }
  for (;;) {
    const { status, rows_written: rows, bytes_written: bytes } = current
    reporter.update({ id: current.id, status, rows, bytes, elapsedMs: ctx.now().getTime() - started })
    if (status === 'done' || status === 'failed') break
    await sleep(POLL_MS)
    body = await analytics(ctx, 'GET', `/exports/${encodeURIComponent(current.id)}`, { query })
    current = jobOf(body)
  }
  reporter.end()
  return { job: current, body }
}

async function download(ctx: Context, url: string, path: string): Promise<void> {
  const response = await send(new URL(url, ctx.settings.analyticsEndpoint).toString(), {})
  await pipeline(bodyStream(response), createWriteStream(path, { mode: 0o600 }))
}

export const exportCommand: Subcommand = {
  about: 'exports usage as CSV: queues the job, follows it, and with --output downloads the file',
  options: {
    ...RANGE_OPTIONS,
    output: { type: 'string', value: '<file>', about: 'download the finished CSV here' },
  },
  async run(ctx, values) {
    const body = rangeOf(values, ctx.now())
    const queued = jobOf(await analytics(ctx, 'POST', '/exports', { body }))
    const finished = await follow(ctx, queued)
    if (finished.job.status === 'failed') {
      ctx.io.err(`aiaas: export ${finished.job.id} failed: ${finished.job.error ?? 'no reason given'}\n`)
      if (ctx.json) show(ctx, finished.body, columns)
      return EXIT.failed
    }
    const output = text(values, 'output')
    if (output !== undefined) {
      if (finished.job.download_url === undefined)
        throw new CliError(EXIT.failed, 'the export is done but has no download URL')
      await download(ctx, finished.job.download_url, output)
      if (!ctx.json) ctx.io.err(`wrote ${output}\n`)
    }
    show(ctx, finished.body, columns)
    return EXIT.ok
  },
}

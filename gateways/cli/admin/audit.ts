import { createWriteStream } from 'node:fs'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { describeChainReport } from '../chain-report.ts'
import { text } from './args.ts'
import { bodyStream } from './client.ts'
import { ADMIN, type Context, type Group } from './command.ts'
import { EXIT } from './exit-codes.ts'
import { printJson } from './output.ts'

// `aiaas audit export` and `aiaas audit verify --remote`: /admin/v1/audit (docs/audit.md). The
// other `aiaas audit …` commands, and `audit verify` without --remote, are the local operator
// commands on AIAAS_DATABASE_URL (gateways/processes/audit.ts); isRemoteAudit says which runs.

/** Whether `aiaas audit <argv>` is this file's (over the API) rather than the local command. */
export function isRemoteAudit(argv: readonly string[]): boolean {
  const [name, ...rest] = argv
  return name === 'export' || (name === 'verify' && rest.includes('--remote'))
}

interface Report {
  ok: boolean
  checked: number
  first_break: { global_position: string; expected: string | null; found: string | null } | null
  unchained_after: string | null
}

function isReport(body: unknown): body is Report {
  return typeof body === 'object' && body !== null && 'ok' in body && 'checked' in body
}

async function verify(ctx: Context, from: string | undefined, to: string | undefined): Promise<number> {
  const path = `${ADMIN}/audit/verify`
  const { body } = await ctx.api.json('GET', ctx.settings.endpoint, path, { query: { from, to } })
  if (!isReport(body)) {
    ctx.io.err('aiaas: the admin API answered a report of another shape\n')
    return EXIT.failed
  }
  if (ctx.json) printJson(ctx.io, body)
  else ctx.io.out(describeChainReport(body))
  // As the local command: 0 intact, 1 broken.
  return body.ok ? EXIT.ok : EXIT.failed
}

export const audit: Group = {
  export: {
    about: 'streams the event log (NDJSON or CSV) to stdout or --output, through the admin API',
    options: {
      org: { type: 'string', value: '<organization-id>', about: "only this organization's events" },
      from: { type: 'string', value: '<rfc3339>', about: 'recorded at or after' },
      to: { type: 'string', value: '<rfc3339>', about: 'recorded at or before' },
      type: { type: 'string', value: '<EventType>', about: 'only this event type' },
      format: { type: 'string', value: '<ndjson|csv>', about: 'default ndjson' },
      output: { type: 'string', value: '<file>', about: 'write here instead of stdout' },
    },
    async run(ctx, values) {
      const query = {
        organization_id: text(values, 'org'),
        from: text(values, 'from'),
        to: text(values, 'to'),
        type: text(values, 'type'),
        format: text(values, 'format'),
      }
      const response = await ctx.api.stream(ctx.settings.endpoint, `${ADMIN}/audit/export`, query)
      const output = text(values, 'output')
      const decoder = new StringDecoder('utf8')
      const sink =
        output === undefined
          ? new Writable({
              write(chunk: Buffer, _encoding, done) {
                // A character cut between two chunks waits in the decoder for its other half.
                ctx.io.out(decoder.write(chunk))
                done()
              },
            })
          : createWriteStream(output, { mode: 0o600 })
      await pipeline(bodyStream(response), sink)
      if (output !== undefined) ctx.io.err(`wrote ${output}\n`)
      return EXIT.ok
    },
  },
  verify: {
    about: 'asks the admin API to recompute the event chain (platform admins); exit 0 intact, 1 broken',
    options: {
      remote: {
        type: 'boolean',
        about: 'required: without it, `audit verify` is the local check',
        required: true,
      },
      from: { type: 'string', value: '<position>', about: 'first global position' },
      to: { type: 'string', value: '<position>', about: 'last global position' },
    },
    run: (ctx, values) => verify(ctx, text(values, 'from'), text(values, 'to')),
  },
}

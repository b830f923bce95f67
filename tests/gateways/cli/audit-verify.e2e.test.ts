import { describe, expect, it } from 'vitest'
import { createEventStore } from '../../../infra/event-store/event-store.ts'
import { eventChainProjection } from '../../../projections/audit-chain/event-chain.ts'
import { newEvent } from '../../infra/contracts/test-database.ts'
import { cliOnSchema } from '../../support/cli-on-schema.ts'

// `aiaas audit verify` as an auditor runs it, on real PostgreSQL: exit 0 on an intact chain,
// exit 1 naming the position of a row altered in SQL.
const cli = cliOnSchema('auditcli')
const aiaas = cli.aiaas

describe('aiaas audit verify', () => {
  it('exits 0 on an intact chain and 1 with the first broken position after an UPDATE', async () => {
    const store = createEventStore(cli.db())
    for (const stream of ['a', 'b', 'c']) await store.append(stream, [newEvent(), newEvent()], -1)
    // Read by stream, sorted: readAll would wait for the shared server's older transactions.
    const events = (await Promise.all(['a', 'b', 'c'].map((s) => store.readStream(s))))
      .flat()
      .sort((x, y) => (x.global_position < y.global_position ? -1 : 1))
    // Chained in the projection's own transaction, as the subscription would.
    await cli.db().transaction((tx) => eventChainProjection.handle(events, tx))

    expect(await aiaas(['audit', 'verify'])).toEqual({ code: 0, output: 'chain intact: 6 events checked\n' })

    const target = String(events[2]!.global_position)
    await cli.db().query(`UPDATE events SET data = '{"forged": true}' WHERE global_position = $1`, [target])
    const broken = await aiaas(['audit', 'verify'])
    expect(broken.code).toBe(1)
    expect(broken.output).toContain(`chain broken at position ${target}`)
    expect(broken.output).toContain('2 events verified before it')
  })
})

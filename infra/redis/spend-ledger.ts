import type { SpendLedger } from '../ports/spend-ledger.ts'
import {
  assertAdmit,
  assertCounters,
  assertHold,
  assertPosition,
  assertSeed,
  assertSettle,
} from '../spend-ledger-arguments.ts'
import { createRedisClient, evalScript, type Script } from './client.ts'
import { SPEND_SCRIPTS } from './spend-ledger-lua.ts'
import {
  admitCall,
  keyNames,
  toAdmitResult,
  toCounterStates,
  toSeedResult,
  toSettleResult,
} from './spend-ledger-wire.ts'

// The spend ledger on one Redis primary (docs/adr/0020-spend-ledger.md). An organization's keys
// share the hash tag {<organization_id>}; model limits are global ({m:<model>}), so one admission
// spans slots: one primary (Sentinel for HA), not Cluster.
export interface RedisSpendLedgerOptions {
  /** Prepended to every key. Default `aiaas:spend:`. */
  keyPrefix?: string
  /** Upper bound on one operation, connection wait included. Default 500 ms. */
  commandTimeoutMs?: number
  /** One write per event-loop tick for concurrent calls (ioredis auto-pipelining). */
  autoPipelining?: boolean
}

export function createRedisSpendLedger(url: string, options: RedisSpendLedgerOptions = {}): SpendLedger {
  const prefix = options.keyPrefix ?? 'aiaas:spend:'
  const client = createRedisClient(url, {
    timeoutMs: options.commandTimeoutMs ?? 500,
    unavailableCode: 'BUDGET_LEDGER_UNAVAILABLE',
    what: 'spend ledger',
    autoPipelining: options.autoPipelining ?? false,
  })
  const keys = keyNames(prefix)
  const run = (script: Script, keyList: string[], args: Array<string | number>) =>
    client.guarded(() => evalScript(client.redis, script, keyList, args))

  return {
    async admit(request) {
      assertAdmit(request)
      const call = admitCall(keys, request)
      return toAdmitResult(request, await run(SPEND_SCRIPTS.admit, call.keys, call.args))
    },
    async settle(request) {
      assertSettle(request)
      const { organization_id: org, hold_id } = request
      const args = [hold_id, String(request.cost_nanos), String(request.tokens)]
      const reply = await run(SPEND_SCRIPTS.settle, [keys.hold(org, hold_id), keys.leases(org)], args)
      return toSettleResult(reply)
    },
    async release(organization_id, hold_id) {
      assertHold(organization_id, hold_id)
      const holdKeys = [keys.hold(organization_id, hold_id), keys.leases(organization_id)]
      toSettleResult(await run(SPEND_SCRIPTS.settle, holdKeys, [hold_id, '0', '0']))
    },
    async renew(organization_id, hold_id, lease_ms) {
      assertHold(organization_id, hold_id, lease_ms)
      const holdKeys = [keys.hold(organization_id, hold_id), keys.leases(organization_id)]
      return (await run(SPEND_SCRIPTS.renew, holdKeys, [hold_id, String(lease_ms)])) === 1
    },
    async seed(organization_id, counter, recorded_nanos) {
      assertSeed(organization_id, counter, recorded_nanos)
      const reply = await run(
        SPEND_SCRIPTS.seed,
        [keys.counter(organization_id, counter)],
        [recorded_nanos, counter.ttl_ms],
      )
      return toSeedResult(reply)
    },
    async counters(organization_id, refs) {
      assertCounters(organization_id, refs)
      if (refs.length === 0) return []
      const reply = await run(
        SPEND_SCRIPTS.counters,
        refs.map((ref) => keys.counter(organization_id, ref)),
        [],
      )
      return toCounterStates(reply, refs.length)
    },
    async markChanged(position) {
      assertPosition(position)
      await run(SPEND_SCRIPTS.mark, [keys.changes], [position])
    },
    async ping() {
      await client.guarded(() => client.redis.ping())
    },
    close: () => client.close(),
  }
}

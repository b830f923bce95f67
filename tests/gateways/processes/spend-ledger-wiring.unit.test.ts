import { describe, expect, it, vi } from 'vitest'
import { markingChanges, spendLedgerCheck } from '../../../gateways/processes/spend-ledger-wiring.ts'
import type { SpendLedger } from '../../../infra/ports/spend-ledger.ts'

describe('identity marks its changes on the spend ledger', () => {
  it('marks the position once the read models hold it', async () => {
    const order: string[] = []
    const awaitProjection = async (position: bigint) => {
      order.push(`projected ${position}`)
    }
    const ledger = { markChanged: async (position: string) => void order.push(`marked ${position}`) }
    await markingChanges(awaitProjection, ledger, { warn: () => {} })(12n)
    expect(order).toEqual(['projected 12', 'marked 12'])
  })

  it('does not fail the command when the mark fails, and logs it', async () => {
    const warn = vi.fn()
    const ledger = { markChanged: () => Promise.reject(new Error('redis down')) }
    await expect(markingChanges(async () => {}, ledger, { warn })(3n)).resolves.toBeUndefined()
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ position: '3' }), expect.any(String))
  })

  it('still fails when the read models never hold the position', async () => {
    const markChanged = vi.fn(async () => {})
    const late = () => Promise.reject(new Error('projection timed out'))
    await expect(markingChanges(late, { markChanged }, { warn: () => {} })(3n)).rejects.toThrow('timed out')
    expect(markChanged).not.toHaveBeenCalled()
  })
})

describe("readyz's spend_ledger check", () => {
  it('is down when the ledger does not answer a ping', async () => {
    const ledger = { ping: () => Promise.reject(new Error('ECONNREFUSED')) } as unknown as SpendLedger
    const check = spendLedgerCheck(ledger)
    expect(check.name).toBe('spend_ledger')
    await expect(check.check()).rejects.toThrow('ECONNREFUSED')
  })
})

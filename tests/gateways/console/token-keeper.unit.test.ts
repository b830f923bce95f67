import { describe, expect, it } from 'vitest'
import { createTokenKeeper, REFRESH_MARGIN_MS } from '../../../gateways/console/src/auth/token-keeper.ts'

describe('the token keeper', () => {
  it('refreshes a token about to expire once for concurrent callers, keeping a refresh token not rotated', async () => {
    let clock = 0
    const refreshes: string[] = []
    const keeper = createTokenKeeper(
      { access_token: 'a1', refresh_token: 'r1', expires_at: 300_000 },
      async (refreshToken) => {
        refreshes.push(refreshToken)
        return { access_token: `a${refreshes.length + 1}`, expires_at: clock + 300_000 }
      },
      () => clock,
    )
    expect(await keeper.token()).toBe('a1')
    clock = 300_000 - REFRESH_MARGIN_MS
    expect(await Promise.all([keeper.token(), keeper.token()])).toEqual(['a2', 'a2'])
    clock += 300_000
    expect(await keeper.token()).toBe('a3')
    expect(refreshes).toEqual(['r1', 'r1'])
  })

  it('forgets the tokens at sign-out', async () => {
    const keeper = createTokenKeeper({ access_token: 'a', expires_at: Date.now() + 600_000 }, async () => {
      throw new Error('not called')
    })
    expect(keeper.forget()?.access_token).toBe('a')
    await expect(keeper.token()).rejects.toThrow('signed out')
  })
})

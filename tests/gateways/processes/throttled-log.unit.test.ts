import { describe, expect, it } from 'vitest'
import { throttled } from '../../../gateways/processes/throttled-log.ts'

describe('a throttled log', () => {
  it('speaks once per interval for each topic, and again once the interval has passed', () => {
    let now = 0
    const said: string[] = []
    const log = throttled(
      10_000,
      (message: string) => said.push(message),
      () => now,
    )
    log('read', 'down 1')
    log('read', 'down 2')
    log('model-a', 'a unreadable')
    now = 9_999
    log('read', 'down 3')
    now = 10_000
    log('read', 'down 4')
    expect(said).toEqual(['down 1', 'a unreadable', 'down 4'])
  })
})

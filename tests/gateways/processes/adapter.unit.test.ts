import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { openAdapter, stoppable } from '../../../gateways/processes/adapter.ts'

/** An adapter that writes its opening and closing into `log`. */
const recorded = (log: string[], name: string) => () => {
  log.push(`open ${name}`)
  return {
    name,
    close: async () => {
      log.push(`close ${name}`)
    },
  }
}

describe('openAdapter', () => {
  it('opens adapters in registration order and app.close() closes them in reverse', async () => {
    const log: string[] = []
    const app = Fastify()
    const db = await openAdapter(app, 'db', recorded(log, 'db'))
    await openAdapter(app, 'cache', recorded(log, 'cache'), ['db'])
    await openAdapter(app, 'consumer', recorded(log, 'consumer'), ['db', 'cache'])
    expect(db.name).toBe('db')
    expect(app.hasDecorator('consumer')).toBe(true)
    await app.ready()
    expect(log).toEqual(['open db', 'open cache', 'open consumer'])
    await app.close()
    expect(log.slice(3)).toEqual(['close consumer', 'close cache', 'close db'])
  })

  it('refuses a second adapter of the same name, and one whose dependency is not open', async () => {
    const app = Fastify()
    await openAdapter(app, 'db', recorded([], 'db'))
    await expect(openAdapter(app, 'db', recorded([], 'db'))).rejects.toThrow(/db/)
    await expect(openAdapter(Fastify(), 'projector', recorded([], 'p'), ['db'])).rejects.toThrow(/db/)
  })

  it('closes a subscription by stopping it', async () => {
    let stopped = false
    const app = Fastify()
    const { subscription } = await openAdapter(app, 'projector', () =>
      stoppable({
        stop: async () => {
          stopped = true
        },
      }),
    )
    expect(subscription).toBeDefined()
    await app.close()
    expect(stopped).toBe(true)
  })
})

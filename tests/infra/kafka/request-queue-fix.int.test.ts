import { createHook } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, Partitioners } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { fixKafkaJsRequestQueue } from '../../../infra/kafka/request-queue-fix.ts'

// Against the real broker: with the fix, a kafkajs client that talks to Kafka prints nothing of its
// own and leaves no self re-arming 1 ms timer behind (ADR 0007).
describe('kafkajs against the real broker, with the request queue fix', () => {
  it('emits no TimeoutNegativeWarning and keeps no timer loop while idle', async () => {
    fixKafkaJsRequestQueue()
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    const kafka = new Kafka({
      clientId: 'aiaas-test-queue-fix',
      brokers: loadConfig().AIAAS_KAFKA_BROKERS.split(','),
      logLevel: logLevel.NOTHING,
    })
    const admin = kafka.admin()
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    const topic = `aiaas.test.queue-fix.${randomUUID()}`
    try {
      await admin.connect()
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] })
      await producer.connect()
      await producer.send({ topic, messages: [{ value: 'x' }] })
      // Timers made while the client is idle: the unfixed queue makes one a millisecond (hundreds
      // here even on a loaded machine); an idle client makes none.
      const made = await timersMadeDuring(500)
      expect(made).toBeLessThan(10)
    } finally {
      await producer.disconnect()
      await admin.deleteTopics({ topics: [topic] }).catch(() => {})
      await admin.disconnect()
      process.off('warning', onWarning)
    }
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([])
  })
})

/** How many timers (setTimeout/setInterval objects) this process creates while waiting `ms`. */
async function timersMadeDuring(ms: number): Promise<number> {
  let made = 0
  const hook = createHook({
    init(_id, type) {
      if (type === 'Timeout') made++
    },
  })
  const wait = new Promise((resolve) => setTimeout(resolve, ms))
  hook.enable()
  await wait
  hook.disable()
  return made
}

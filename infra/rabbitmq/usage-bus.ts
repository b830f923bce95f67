// The RabbitMQ usage bus: the router publishes with confirms, ingest consumes with manual acks.
// Topology and the choices behind it: docs/adr/0004-limits-and-usage-bus.md.
export {
  createRabbitUsageConsumer,
  type RabbitUsageConsumerOptions,
  type UsageBusLogger,
} from './consumer.ts'
export { createRabbitUsagePublisher, type RabbitUsagePublisherOptions } from './publisher.ts'
export { deadLetterQueueOf } from './topology.ts'

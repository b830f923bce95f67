import { randomUUID } from 'node:crypto'
import { afterAll } from 'vitest'
import { loadConfig } from '../../../infra/config/config.ts'
import { createRedisHealthBoard } from '../../../infra/redis/health-board.ts'
import { deleteKeys } from '../../support/redis.ts'
import { healthBoardContract } from '../contracts/health-board.contract.ts'

const redisUrl = loadConfig().AIAAS_REDIS_URL
const keyPrefix = `test:health:${randomUUID()}:`

healthBoardContract('redis', () => createRedisHealthBoard(redisUrl, { keyPrefix }))

afterAll(() => deleteKeys(redisUrl, keyPrefix))

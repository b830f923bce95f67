import { createMemoryHealthBoard } from '../../../infra/memory/health-board.ts'
import { healthBoardContract } from '../contracts/health-board.contract.ts'

// Replicas of one process share one board.
const shared = createMemoryHealthBoard()
healthBoardContract('memory', () => ({ ...shared, close: async () => {} }))

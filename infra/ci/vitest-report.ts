import { readFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { z } from 'zod'

// The parts of vitest's JSON reporter output (Jest's format) that CI reads. Parsed, not cast: a
// vitest upgrade that changes the shape should fail loudly here, not count zero tests.
const reportSchema = z.object({
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      message: z.string().optional(),
      assertionResults: z.array(
        z.object({
          fullName: z.string(),
          status: z.string(),
          failureMessages: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
})

/** One test's outcome in one run; `id` is stable across runs (file path and full test name). */
export interface TestOutcome {
  id: string
  failed: boolean
  /** The first line of why it failed, for the summary CI prints last. */
  reason?: string
}

/**
 * Every test of a report. A file that failed without a failing test (it did not load, or a hook
 * threw) counts as one failed entry named after the file, so it cannot pass unnoticed.
 */
export function testOutcomes(json: unknown, root: string): TestOutcome[] {
  const report = reportSchema.parse(json)
  return report.testResults.flatMap((file) => {
    const path = relative(root, file.name)
    const tests = file.assertionResults
      .filter((test) => test.status === 'passed' || test.status === 'failed')
      .map((test) => ({
        id: `${path} > ${test.fullName}`,
        failed: test.status === 'failed',
        ...(test.status === 'failed' ? { reason: firstLine(test.failureMessages?.[0]) } : {}),
      }))
    const fileFailed = file.status === 'failed' && !tests.some((test) => test.failed)
    return fileFailed ? [...tests, { id: `${path} (file: ${firstLine(file.message)})`, failed: true }] : tests
  })
}

const firstLine = (message: string | undefined): string => message?.split('\n')[0]?.slice(0, 200) || 'failed'

/** The outcomes in a report file, or undefined when vitest wrote none (it crashed first). */
export async function readOutcomes(path: string, root: string): Promise<TestOutcome[] | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  return testOutcomes(JSON.parse(text), root)
}

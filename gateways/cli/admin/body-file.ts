import { readFile } from 'node:fs/promises'
import { UsageError } from './exit-codes.ts'
import { isRecord } from './json.ts'

// A request body from a JSON file (`--file model.json`, or `--file -` for stdin): bodies with
// nested lists, as a model's backends, are clearer in a file than in flags.

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString('utf8')
}

export async function readBodyFile(path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`--file ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new UsageError(`--file ${path} is not JSON`)
  }
  if (!isRecord(body)) throw new UsageError(`--file ${path} must hold a JSON object`)
  return body
}

import { CliError, exitCodeOfStatus } from './exit-codes.ts'
import { isRecord } from './json.ts'

// An error answer of the API as the CLI reports it: RFC 9457 problem+json on the admin and
// analytics APIs, an OAuth2 error at the token endpoint, anything else as its status.

export interface Problem {
  status: number
  code?: string | undefined
  detail?: string | undefined
  errors?: unknown
}

/** What the body of a failed response says, whatever its shape. */
export function problemOf(status: number, bodyText: string): Problem {
  let body: unknown
  try {
    body = JSON.parse(bodyText)
  } catch {
    return { status, detail: bodyText.trim().slice(0, 500) || undefined }
  }
  if (!isRecord(body)) return { status }
  const member = (name: string) => {
    const value = body[name]
    return typeof value === 'string' ? value : undefined
  }
  return {
    status,
    // problem+json's `code` and `detail`; OAuth2's `error` and `error_description`.
    code: member('code') ?? member('error'),
    detail: member('detail') ?? member('error_description') ?? member('title'),
    errors: body.errors,
  }
}

/** The line printed to stderr: status, stable code, detail, then the problem's `errors` as JSON. */
export function describeProblem(problem: Problem): string {
  const head = [String(problem.status), problem.code, problem.detail].filter(Boolean).join(' ')
  const errors = problem.errors === undefined ? '' : `\n${JSON.stringify(problem.errors)}`
  return `${head}${errors}`
}

/** A refusal or failure of the API: its exit code follows its status (docs/cli.md). */
export class ApiError extends CliError {
  readonly problem: Problem
  constructor(problem: Problem) {
    super(exitCodeOfStatus(problem.status), describeProblem(problem))
    this.name = 'ApiError'
    this.problem = problem
  }
}

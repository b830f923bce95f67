// The admin CLI's exit codes (docs/cli.md has the table). A script branches on them, so each one
// names a class of outcome a caller handles differently: retry later (7), sign in again (3), fix
// the command line (2), give up (1).

export const EXIT = {
  ok: 0,
  /** The API refused the request (400, 422, other 4xx) or failed (5xx), or a chain is broken. */
  failed: 1,
  /** The command line: an unknown flag, a missing argument, a malformed value. */
  usage: 2,
  /** No token, or the API answered 401. */
  authentication: 3,
  /** 403: authenticated, but the policy does not allow it. */
  forbidden: 4,
  /** 404: no such resource, or one in an organization the caller holds no role in. */
  notFound: 5,
  /** 409 or 412: a conflict, or an If-Match that no longer holds. */
  conflict: 6,
  /** 429 or 503, or the endpoint did not answer at all: worth retrying later. */
  unavailable: 7,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** The exit code of an HTTP status the API answered with (a 2xx is 0). */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status >= 200 && status < 300) return EXIT.ok
  if (status === 401) return EXIT.authentication
  if (status === 403) return EXIT.forbidden
  if (status === 404) return EXIT.notFound
  if (status === 409 || status === 412) return EXIT.conflict
  if (status === 429 || status === 503) return EXIT.unavailable
  return EXIT.failed
}

/** A failure the command reports on stderr before exiting with `code`. */
export class CliError extends Error {
  readonly code: ExitCode
  constructor(code: ExitCode, message: string) {
    super(message)
    this.name = 'CliError'
    this.code = code
  }
}

/** A command line the CLI cannot run: exit 2, with the command's usage text. */
export class UsageError extends CliError {
  readonly usage: string | undefined
  constructor(message: string, usage?: string) {
    super(EXIT.usage, message)
    this.name = 'UsageError'
    this.usage = usage
  }
}

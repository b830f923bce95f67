// Typed errors with a stable code (STYLE.md §5). Each gateway has one handler that maps a code to
// its wire format (OpenAI error shape on /v1, RFC 9457 problem+json elsewhere); docs/errors.md
// catalogues every code.
export class AppError extends Error {
  readonly code: string
  readonly details: Record<string, unknown> | undefined

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.details = details
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError

import { ApiError } from '../contract.ts'

/** An error as the user reads it: the API's problem title and detail, its status and code. */
export function ProblemView({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const problem = error instanceof ApiError ? error.problem : { title: 'Something went wrong' }
  const detail = error instanceof ApiError ? problem.detail : error instanceof Error ? error.message : ''
  const status = error instanceof ApiError && error.status > 0 ? error.status : null
  return (
    <div class="problem" role="alert">
      <p class="problem-title">
        {problem.title ?? 'The request failed'}
        {status ? ` (${status})` : ''}
      </p>
      {detail ? <p class="problem-detail">{detail}</p> : null}
      {problem.code ? <p class="problem-code">Code: {problem.code}</p> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  )
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  )
}

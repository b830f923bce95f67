import { useState } from 'preact/hooks'
import type { Session } from '../contract.ts'
import { Loading, ProblemView } from '../ui/problem.tsx'
import { useAction } from '../ui/use-action.ts'
import { type VerifyReport, verifySummary } from './audit-log.ts'

// The hash chain's verification (GET /admin/v1/audit/verify, platform admins: the chain runs
// through every organization's events). It reads the whole log before it answers, so it runs when
// asked, never on page load.

export function VerifyChain({ session }: { session: Session }) {
  const [report, setReport] = useState<VerifyReport | null>(null)
  const action = useAction()
  const verify = () =>
    action.run(async () => {
      setReport(await session.api.get<VerifyReport>('/admin/v1/audit/verify'))
    })
  const summary = report ? verifySummary(report) : null
  return (
    <section aria-labelledby="audit-verify">
      <h2 id="audit-verify">Chain verification</h2>
      <p class="muted">
        Recomputes every event's hash from the start of the log; on a large log this takes a while.
      </p>
      <button type="button" class="primary" disabled={action.busy} onClick={() => void verify()}>
        Verify the chain
      </button>
      {action.busy ? <Loading what="the verification" /> : null}
      {action.error ? <ProblemView error={action.error} /> : null}
      {summary && !action.busy ? (
        <div class={summary.tone === 'ok' ? 'notice chain-ok' : 'problem chain-broken'} role="status">
          {summary.lines.map((line) => (
            <p key={line}>{line}</p>
          ))}
          {report?.first_break ? (
            <dl class="facts">
              <dt>Stored hash</dt>
              <dd>
                <code>{report.first_break.expected ?? 'none'}</code>
              </dd>
              <dt>Recomputed hash</dt>
              <dd>
                <code>{report.first_break.found ?? 'none'}</code>
              </dd>
            </dl>
          ) : null}
        </div>
      ) : null}
    </section>
  )
}

import { type BudgetSpend, budgetBar } from './budget-bar.ts'
import { formatUsd } from './figures.ts'

// A budget's spend this period as a bar: the spend (green, amber past a threshold, red at the
// limit), what requests in flight hold (hatched), a mark at each alert threshold. The drawing is hidden
// from assistive technology, which reads a <meter> and the same numbers in words beside it.

export function SpendBar({ spend, thresholds }: { spend: BudgetSpend; thresholds: readonly number[] }) {
  const bar = budgetBar(spend, thresholds)
  const marks = bar.marks.map((mark) => `${Math.round(mark.at * 100)} %`).join(', ')
  return (
    <div class="spend">
      <meter class="visually-hidden" min={0} max={1} value={bar.spent} aria-label="Spend against the limit">
        {bar.label}
      </meter>
      <div class={`spend-bar ${bar.state}`} aria-hidden="true">
        <span class="spent" style={{ width: `${bar.spent * 100}%` }} />
        <span class="reserved" style={{ left: `${bar.spent * 100}%`, width: `${bar.reserved * 100}%` }} />
        {bar.marks.map((mark) => (
          <span
            key={mark.at}
            class="mark"
            style={{ left: `calc(${mark.at * 100}% - 1px)` }}
            title={`Alert at ${Math.round(mark.at * 100)} %`}
          />
        ))}
      </div>
      <div>
        {bar.label}
        {bar.state === 'over' ? ' — limit reached' : ''}
      </div>
      <div class="muted">
        Router's ledger: {formatUsd(spend.ledger.spent_usd)} settled, {formatUsd(spend.ledger.reserved_usd)}{' '}
        held by requests in flight{spend.ledger.seeded ? '' : ' (not seeded yet)'}
        {marks ? ` · alerts at ${marks}` : ''}
      </div>
    </div>
  )
}

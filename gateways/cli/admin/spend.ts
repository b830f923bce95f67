import { text } from './args.ts'
import { analytics, type Subcommand, show } from './command.ts'
import { EXIT } from './exit-codes.ts'
import type { Column } from './output.ts'

// `aiaas spend`: GET /analytics/v1/spend, each budget of an organization against what was spent
// in its current period, as recorded (usage rollups) and as the router's ledger counts it.

const columns: Column[] = [
  { header: 'BUDGET', field: 'budget_id' },
  { header: 'KEY', field: 'api_key_id' },
  { header: 'PERIOD', field: 'period' },
  { header: 'LIMIT_USD', field: 'limit_usd' },
  { header: 'RECORDED_USD', field: 'recorded_spend_usd' },
  { header: 'LEDGER_USD', field: 'ledger.spent_usd' },
  { header: 'RESERVED_USD', field: 'ledger.reserved_usd' },
  { header: 'RESETS_AT', field: 'resets_at' },
]

export const spend: Subcommand = {
  about: "an organization's budgets against their current period's spend (analytics API)",
  options: { org: { type: 'string', value: '<organization-id>', about: 'the organization', required: true } },
  async run(ctx, values) {
    const query = { organization_id: text(values, 'org'), period: 'current' }
    show(ctx, await analytics(ctx, 'GET', '/spend', { query }), columns)
    return EXIT.ok
  },
}

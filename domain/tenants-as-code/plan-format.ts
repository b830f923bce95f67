import { usdOf } from '../budgets/amounts.ts'
import type { ActualResource } from './model.ts'
import type { Change, FieldChange, Plan } from './plan.ts'

// The plan as text, in the shape of `terraform plan`: one line per resource (+ create, ~ update,
// - delete, ! cannot), its field changes below, a summary last.

const SYMBOL = { create: '+', update: '~', delete: '-', blocked: '!' } as const

/** Money is shown as the decimal USD string the files use, not the micro-dollars compared. */
function shown(field: FieldChange): string {
  const value = (v: unknown) => (field.field === 'limit_micros' && typeof v === 'number' ? usdOf(v) : v)
  const name = field.field === 'limit_micros' ? 'limit_usd' : field.field
  const from = field.from === null ? '' : `${JSON.stringify(value(field.from))} -> `
  return `      ${name}: ${from}${JSON.stringify(value(field.to))}`
}

/** A resource git no longer declares has no address in git any more: its kind and id name it. */
const addressOfActual = (resource: ActualResource) => `${resource.kind}[${resource.id}]`

function linesOf(change: Change): string[] {
  switch (change.action) {
    case 'create':
    case 'update': {
      const note = change.drift ? ', drift: changed outside git' : ''
      const head = `  ${SYMBOL[change.action]} ${change.resource.address} (${change.action}${note})`
      return [head, ...change.fields.map(shown)]
    }
    case 'delete':
      return [`  - ${addressOfActual(change.resource)} (delete: no longer in git, prune: true)`]
    case 'blocked':
      return [`  ! ${change.address}: ${change.reason}`]
    default: {
      const unknown: never = change
      throw new Error(`unknown change ${JSON.stringify(unknown)}`)
    }
  }
}

export function countOf(plan: Plan) {
  const count = (action: Change['action']) => plan.changes.filter((c) => c.action === action).length
  return {
    create: count('create'),
    update: count('update'),
    delete: count('delete'),
    blocked: count('blocked'),
  }
}

export function formatPlan(plan: Plan, commit: string): string {
  if (plan.changes.length === 0) return `No changes: the platform matches git at ${commit}.\n`
  const n = countOf(plan)
  const summary =
    `Plan at ${commit}: ${n.create} to create, ${n.update} to update, ${n.delete} to delete` +
    `${n.blocked > 0 ? `, ${n.blocked} blocked` : ''}; ${plan.drift} drifted.`
  return `${plan.changes.flatMap(linesOf).join('\n')}\n\n${summary}\n`
}

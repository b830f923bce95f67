import type { PageDef } from '../contract.ts'
import { AuditPage } from './audit.tsx'
import { BudgetsPage } from './budgets.tsx'
import { ExportsPage } from './exports.tsx'
import { KeysPage } from './keys.tsx'
import { ModelsPage } from './models.tsx'
import { OrganizationsPage } from './organizations.tsx'
import { ReliabilityPage } from './reliability.tsx'
import { UsagePage } from './usage.tsx'
import { UsersPage } from './users.tsx'

// Every page of the console, in navigation order; the first is the home page. A page adds one
// line here (its hash route, title, component and the action it needs).
export const pages: readonly PageDef[] = [
  { path: '/keys', title: 'API keys', Component: KeysPage, action: 'api_keys:list' },
  { path: '/usage', title: 'Usage', Component: UsagePage, action: 'analytics:read' },
  { path: '/budgets', title: 'Budgets', Component: BudgetsPage, action: 'budgets:list' },
  { path: '/reliability', title: 'Reliability', Component: ReliabilityPage, action: 'analytics:read' },
  { path: '/exports', title: 'Exports', Component: ExportsPage, action: 'analytics:read' },
  {
    path: '/organizations',
    title: 'Organizations',
    Component: OrganizationsPage,
    action: 'organizations:read',
  },
  { path: '/users', title: 'Users and roles', Component: UsersPage, action: 'members:list' },
  { path: '/models', title: 'Models and prices', Component: ModelsPage, action: 'models:list' },
  { path: '/audit', title: 'Audit', Component: AuditPage, action: 'audit:export' },
]

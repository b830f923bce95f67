import type { PageDef } from '../contract.ts'
import { KeysPage } from './keys.tsx'
import { UsagePage } from './usage.tsx'

// Every page of the console, in navigation order; the first is the home page. A page adds one
// line here (its hash route, title, component and the action it needs).
export const pages: readonly PageDef[] = [
  { path: '/keys', title: 'API keys', Component: KeysPage, action: 'api_keys:list' },
  { path: '/usage', title: 'Usage', Component: UsagePage, action: 'analytics:read' },
]

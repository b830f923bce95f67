import type { PageProps } from '../contract.ts'

export function KeysPage(_props: PageProps) {
  return <h1>API keys</h1>
}

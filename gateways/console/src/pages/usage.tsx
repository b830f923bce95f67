import type { PageProps } from '../contract.ts'

export function UsagePage(_props: PageProps) {
  return <h1>Usage</h1>
}

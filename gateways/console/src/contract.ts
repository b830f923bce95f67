// What every console page may rely on (the shell implements it; pages only import these types).
import type { ComponentChildren, JSX } from 'preact'

/** An RFC 9457 problem (admin and analytics APIs) or OpenAI error, as the API answered it. */
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  code?: string
  [extra: string]: unknown
}

/** Thrown by Api for any answer that is not 2xx; `status` 0 when the network failed. */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `request failed (${status})`)
    this.status = status
    this.problem = problem
  }
}

export type Query = Record<string, string | number | boolean | undefined>

/** Calls the admin API (`/admin/v1…`) or the analytics API (`/analytics/v1…`) with the user's token. */
export interface Api {
  get<T>(path: string, query?: Query): Promise<T>
  send<T>(
    method: 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>
  /** An absolute URL for a path (a download link, an export file). */
  url(path: string, query?: Query): string
}

/** The signed-in person and what the policies let them do. */
export interface Session {
  api: Api
  user: { id: string; email: string; name?: string }
  /** The organization the console is looking at (the user may belong to several). */
  organizationId: string
  organizations: ReadonlyArray<{ id: string; name: string }>
  /** Whether the same Rego policies the APIs enforce allow `action` (e.g. `api_keys.create`). */
  can(action: string): boolean
}

export interface PageProps {
  session: Session
  /** The query part of the page's hash route (`#/usage?bucket=hour`). */
  params: URLSearchParams
}

export interface PageDef {
  /** Hash route, e.g. `/keys`. */
  path: string
  title: string
  Component: (props: PageProps) => JSX.Element
  /** The action the page needs (`api_keys:list`): without it the navigation leaves the page out. */
  action?: string
}

export type Children = ComponentChildren

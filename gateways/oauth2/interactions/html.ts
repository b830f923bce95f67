import { randomBytes } from 'node:crypto'
import type { FastifyReply } from 'fastify'

// Server-rendered pages without external assets or scripts. Markup is built with the `html` tag,
// which escapes every interpolated value unless it is markup itself, so no caller can forget to.
// Each response carries a CSP: nothing loads but the inline style (by nonce) and data: images
// (the QR code); forms post only to this origin and to the client the sign-in returns to (a
// browser applies form-action to the redirects that follow a form post); no framing.

/** Markup that is safe to insert as is (built by `html`). */
export interface Html {
  readonly markup: string
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c)

type Value = string | number | Html | readonly Html[] | null | undefined

const render = (value: Value): string => {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return escapeHtml(value)
  if (typeof value === 'number') return String(value)
  if ('markup' in value) return value.markup
  return value.map((part) => part.markup).join('')
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let markup = strings[0] ?? ''
  values.forEach((value, i) => {
    markup += render(value) + (strings[i + 1] ?? '')
  })
  return { markup }
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box;font:inherit}
button{margin-top:1rem;padding:.5rem 1.2rem;font:inherit;cursor:pointer}.error{color:#a4161a;background:#fde8e8;padding:.5rem}
code{font-size:1rem;word-break:break-all}ul.codes{columns:2;font-family:monospace}.row{display:flex;gap:.8rem}`

export interface Page {
  title: string
  body: Html
  status?: number
  /** Origins besides this one that a form's post may end at (the client's redirect URI). */
  formTargets?: readonly string[]
}

/** Sends a page with its CSP and the headers that keep it out of caches, frames and referrers. */
export function sendPage(reply: FastifyReply, page: Page): FastifyReply {
  const nonce = randomBytes(16).toString('base64')
  const targets = ["'self'", ...(page.formTargets ?? [])].join(' ')
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; img-src data:; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`
  const document = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${page.title} · AIaaS</title><style nonce="${nonce}">${{ markup: STYLE }}</style></head>
<body><main><h1>${page.title}</h1>${page.body}</main></body></html>`
  return reply
    .status(page.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .send(document.markup)
}

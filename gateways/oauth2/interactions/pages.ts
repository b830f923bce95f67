import { type Html, html } from './html.ts'

// The sign-in pages' bodies. Every form posts to an absolute path on this origin; none needs
// JavaScript.

const alert = (error: string | undefined): Html | null =>
  error ? html`<p class="error" role="alert">${error}</p>` : null

export function loginForm(action: string, values: { email?: string; error?: string }): Html {
  return html`${alert(values.error)}
<form method="post" action="${action}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${values.email ?? ''}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`
}

export function secondFactorForm(action: string, error?: string): Html {
  return html`${alert(error)}<p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
<form method="post" action="${action}">
<label for="code">Code</label><input id="code" name="code" autocomplete="one-time-code" required>
<button type="submit">Verify</button></form>`
}

export function enrolForm(action: string, enrolment: { qr: string; secret: string; error?: string }): Html {
  return html`${alert(enrolment.error)}<p>Your organization requires a second factor. Scan this code with an authenticator app,
or enter the secret by hand, then type the first code it shows.</p>
<p><img src="${enrolment.qr}" alt="QR code of your TOTP secret" width="200" height="200"></p>
<p>Secret: <code id="totp-secret">${enrolment.secret}</code></p>
<form method="post" action="${action}">
<label for="code">First code</label><input id="code" name="code" autocomplete="one-time-code" required>
<button type="submit">Confirm</button></form>`
}

export function recoveryCodesBody(action: string, codes: readonly string[]): Html {
  return html`<p>Two-factor sign-in is on. Keep these recovery codes somewhere safe: each works once, when
you cannot use your authenticator app. They are shown only now.</p>
<ul class="codes" id="recovery-codes">${codes.map((code) => html`<li>${code}</li>`)}</ul>
<form method="post" action="${action}"><button type="submit">Continue</button></form>`
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'know who you are',
  email: 'read your email address',
  profile: 'read your name',
  offline_access: 'stay signed in (refresh tokens)',
  admin: 'use the admin and analytics APIs with your roles',
}

export function consentForm(action: string, client: string, scopes: readonly string[]): Html {
  const items = scopes.map((scope) => html`<li>${SCOPE_TEXT[scope] ?? scope} <code>${scope}</code></li>`)
  return html`<p><strong>${client}</strong> asks to:</p><ul id="scopes">${items}</ul>
<form method="post" action="${action}"><div class="row">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></div></form>`
}

export function invitationForm(action: string, error?: string): Html {
  return html`${alert(error)}<p>Choose the password you will sign in with.</p>
<form method="post" action="${action}">
<label for="password">New password</label><input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="confirm">Repeat it</label><input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
<button type="submit">Set password</button></form>`
}

export const message = (text: string): Html => html`<p>${text}</p>`

// The client side of the platform's JSON APIs, for tests that call a running server over HTTP.

export type Json = Record<string, unknown> & { id?: string }

/** One JSON call with a bearer token. */
export async function call(base: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Json }
}

/** `POST /oauth2/token` with client_credentials and HTTP basic client authentication. */
export async function clientCredentials(base: string, clientId: string, clientSecret: string) {
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  })
  return { status: response.status, body: (await response.json()) as Json }
}

import { describe, expect, it } from 'vitest'
import { ROUTING_FIELDS } from '../../../../gateways/router/routing/routing-fields.ts'
import { routingRouter } from '../routing-router.ts'

// A client can never choose where a request goes (issue 8): a body naming a backend address or a
// credential is refused before the budget or any backend is touched; `param` names the field.
describe('routing fields in a body', () => {
  it.each(['api_base', 'base_url', 'api_key', 'api_version', 'custom_llm_provider', 'extra_headers'])(
    '%s: 400 invalid_request_error naming it, nothing reserved, no backend called',
    async (field) => {
      // Nobody listens at the model's backend: a request that went through would be a 502.
      const r = await routingRouter([
        {
          name: 'm',
          backend_url: 'http://127.0.0.1:1/v1',
          input_usd_per_mtok: 1,
          output_usd_per_mtok: 1,
          max_output_tokens: 4096,
        },
      ])
      try {
        const response = await fetch(r.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer sk' },
          body: JSON.stringify({
            model: 'm',
            messages: [{ role: 'user', content: 'hi' }],
            [field]: 'http://evil',
          }),
        })
        expect(response.status).toBe(400)
        expect(await response.json()).toMatchObject({
          error: { type: 'invalid_request_error', code: 'validation_failed', param: field },
        })
        expect(r.events).toHaveLength(0)
        expect(await r.ledger()).toEqual({ spent_nanos: 0, reserved_nanos: 0 })
      } finally {
        await r.close()
      }
    },
  )

  it('the list holds the fields the issue names', () => {
    expect(ROUTING_FIELDS).toEqual(
      expect.arrayContaining(['api_base', 'base_url', 'api_key', 'api_version', 'custom_llm_provider']),
    )
  })
})

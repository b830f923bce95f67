import type { ServiceAccountEvent } from '../../domain/service-accounts/service-account.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read model: rm_service_accounts (infra/migrations/0210). Updates are guarded by position, so a
// replayed older event never overwrites a newer row; `version` is the stream version of the
// account's last event.

/** Where an event sits: its stream version and its global position. */
export interface At {
  version: number
  position: bigint
}

export async function projectServiceAccount(event: ServiceAccountEvent, at: At, tx: Sql): Promise<void> {
  switch (event.type) {
    case 'ServiceAccountCreated': {
      const d = event.data
      await tx.query(
        `INSERT INTO rm_service_accounts
           (service_account_id, organization_id, name, roles, client_id, secret_hash, status, created_at,
            version, position, created_position)
         VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9) ON CONFLICT (service_account_id) DO NOTHING`,
        [
          d.service_account_id,
          d.organization_id,
          d.name,
          d.roles,
          d.client_id,
          d.secret_hash,
          d.created_at,
          at.version,
          at.position,
        ],
      )
      return
    }
    case 'ServiceAccountSecretRotated':
      await tx.query(
        `UPDATE rm_service_accounts SET secret_hash = $2, rotated_at = $3, version = $4, position = $5
          WHERE service_account_id = $1 AND position < $5`,
        [
          event.data.service_account_id,
          event.data.secret_hash,
          event.data.rotated_at,
          at.version,
          at.position,
        ],
      )
      return
    case 'ServiceAccountRevoked':
      await tx.query(
        `UPDATE rm_service_accounts SET status = 'revoked', revoked_at = $2, version = $3, position = $4
          WHERE service_account_id = $1 AND position < $4`,
        [event.data.service_account_id, event.data.revoked_at, at.version, at.position],
      )
      return
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

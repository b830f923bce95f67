import type { UserEvent } from '../../domain/users/user.ts'
import type { Sql } from '../../infra/ports/database.ts'

// Read models: rm_users (one row per user) and rm_memberships (a user's roles in one
// organization); tables in infra/migrations/0120 and 0121. Every event moves the user's version
// (the stream version, the ETag of GET /users/{id}); updates are guarded by position, so a
// replayed older event never overwrites newer state.

/** Where an event sits: its stream version and its global position. */
export interface At {
  stream_version: number
  global_position: bigint
}

async function touchUser(tx: Sql, userId: string, at: At, set = '', params: unknown[] = []) {
  await tx.query(
    `UPDATE rm_users SET ${set} version = $2, position = $3 WHERE user_id = $1 AND position < $3`,
    [userId, at.stream_version, at.global_position, ...params],
  )
}

async function upsertMembership(
  tx: Sql,
  event: UserEvent & { type: 'MembershipAdded' | 'MembershipRolesChanged' },
  at: At,
) {
  const { organization_id, user_id, roles } = event.data
  await tx.query(
    `INSERT INTO rm_memberships (organization_id, user_id, roles, position) VALUES ($1, $2, $3, $4)
     ON CONFLICT (organization_id, user_id) DO UPDATE SET roles = excluded.roles, position = excluded.position
      WHERE rm_memberships.position < excluded.position`,
    [organization_id, user_id, roles, at.global_position],
  )
}

export async function projectUser(event: UserEvent, at: At, tx: Sql): Promise<void> {
  switch (event.type) {
    case 'UserCreated':
    case 'UserInvited': {
      const { user_id, email, display_name, created_at } = event.data
      const status = event.type === 'UserCreated' ? 'active' : 'invited'
      await tx.query(
        `INSERT INTO rm_users
           (user_id, email, display_name, status, platform_admin, created_at, version, position, created_position)
         VALUES ($1, $2, $3, $4, false, $5, $6, $7, $7) ON CONFLICT (user_id) DO NOTHING`,
        [user_id, email, display_name, status, created_at, at.stream_version, at.global_position],
      )
      return
    }
    case 'UserDisplayNameChanged':
      return touchUser(tx, event.data.user_id, at, 'display_name = $4,', [event.data.display_name])
    case 'UserActivated':
      return touchUser(tx, event.data.user_id, at, "status = 'active',")
    case 'UserDisabled':
      return touchUser(tx, event.data.user_id, at, "status = 'disabled',")
    case 'PlatformAdminGranted':
    case 'PlatformAdminRevoked':
      return touchUser(tx, event.data.user_id, at, 'platform_admin = $4,', [
        event.type === 'PlatformAdminGranted',
      ])
    case 'MembershipAdded':
    case 'MembershipRolesChanged':
      await upsertMembership(tx, event, at)
      return touchUser(tx, event.data.user_id, at)
    case 'MembershipRemoved':
      await tx.query(
        'DELETE FROM rm_memberships WHERE organization_id = $1 AND user_id = $2 AND position < $3',
        [event.data.organization_id, event.data.user_id, at.global_position],
      )
      return touchUser(tx, event.data.user_id, at)
    default: {
      const unknown: never = event
      throw new Error(`unknown event ${JSON.stringify(unknown)}`)
    }
  }
}

# The one authorization policy of the admin and analytics APIs (docs/security.md, ADR 0014).
# Compiled to wasm (`make policy`) and evaluated in-process by infra/opa/authorizer.ts; the
# entrypoint is aiaas/authz/decision.
#
# input:
#   subject:  {actor, kind, platform_admin, memberships: {organization_id: [role]}}
#   action:   one of `actions` below
#   resource: {type, organization_id (null: a platform resource),
#              owner (a key's owner user id; a user resource's own id; else null)}
# decision: {allow, deny_as}: a denied caller with no role in the resource's organization is told
# "not_found" (the resource's existence does not leak); inside its own organization, "forbidden".
package aiaas.authz

# Every action a route may declare, and the organization roles that grant it. An action granted
# to no role is for platform admins only.
grants := {
	"organizations:create": set(),
	"organizations:list": set(),
	"organizations:read": {"org_owner", "org_admin", "billing_admin", "analyst", "auditor", "member"},
	"organizations:update": {"org_owner"},
	"organizations:suspend": set(),
	"organizations:reactivate": set(),
	"organizations:close": set(),
	"api_keys:create": {"org_owner", "org_admin"},
	"api_keys:list": {"org_owner", "org_admin"},
	"api_keys:read": {"org_owner", "org_admin"},
	"api_keys:revoke": {"org_owner", "org_admin"},
	"api_keys:rotate": {"org_owner", "org_admin"},
	"budgets:create": {"org_owner", "org_admin", "billing_admin"},
	"budgets:list": {"org_owner", "org_admin", "billing_admin"},
	"budgets:read": {"org_owner", "org_admin", "billing_admin"},
	"budgets:update": {"org_owner", "org_admin", "billing_admin"},
	"budgets:delete": {"org_owner", "org_admin", "billing_admin"},
	"members:list": {"org_owner", "org_admin"},
	"members:update": {"org_owner", "org_admin"},
	"members:delete": {"org_owner", "org_admin"},
	"service_accounts:create": {"org_owner", "org_admin"},
	"service_accounts:list": {"org_owner", "org_admin"},
	"service_accounts:read": {"org_owner", "org_admin"},
	"service_accounts:rotate": {"org_owner", "org_admin"},
	"service_accounts:revoke": {"org_owner", "org_admin"},
	"users:create": set(),
	"users:list": set(),
	"users:read": set(),
	"users:update": set(),
	"users:mfa": set(),
	"models:create": set(),
	"models:list": set(),
	"models:read": set(),
	"models:update": set(),
	"models:delete": set(),
	"analytics:read": {"org_owner", "billing_admin", "analyst"},
	"audit:export": {"org_owner", "auditor"},
	# The chain is one for the whole platform: verifying it reads every organization's events.
	"audit:verify": set(),
}

# The roles an organization role may hand out (a membership, a service account): never more than
# the caller's own standing, so an org_admin cannot make anyone, itself included, an org_owner.
grantable := {
	"org_owner": {"org_owner", "org_admin", "billing_admin", "analyst", "auditor", "member"},
	"org_admin": {"org_admin", "billing_admin", "analyst", "auditor", "member"},
}

# Actions whose resource carries the roles they grant (`input.resource.roles`).
granting_actions := {"members:update", "service_accounts:create"}

# `member` acts on the keys it owns, and on no other resource.
own_key_actions := {"api_keys:create", "api_keys:read", "api_keys:revoke", "api_keys:rotate"}

default allow := false

# An action no route declared is refused to everyone, platform admins too: a typo fails closed.
allow if {
	input.subject.platform_admin == true
	known_action
}

allow if {
	some role in roles_in_resource_org
	role in grants[input.action]
	within_ceiling
}

allow if {
	input.action in own_key_actions
	"member" in roles_in_resource_org
	owns_resource
}

# Self-service: a signed-in person reads their own user and manages their own TOTP and recovery
# codes, whatever roles they hold (none too); never another user's, never their status, password
# or platform role (users:update).
self_actions := {"users:read", "users:mfa"}

allow if {
	input.action in self_actions
	input.resource.type == "user"
	owns_resource
}

known_action if input.action in object.keys(grants)

within_ceiling if not input.action in granting_actions

within_ceiling if {
	input.action in granting_actions
	every granted in object.get(input.resource, "roles", []) {
		some held in roles_in_resource_org
		granted in grantable[held]
	}
}

roles_in_resource_org := input.subject.memberships[input.resource.organization_id] if {
	is_string(input.resource.organization_id)
} else := []

owns_resource if {
	input.subject.kind == "user"
	is_string(input.resource.owner)
	input.subject.actor == concat(":", ["user", input.resource.owner])
}

# A platform resource's existence is no secret; an organization's resources are hidden from whoever
# holds no role in it.
deny_as := "forbidden" if {
	not is_string(input.resource.organization_id)
} else := "forbidden" if {
	count(roles_in_resource_org) > 0
} else := "not_found"

decision := {"allow": allow, "deny_as": deny_as}

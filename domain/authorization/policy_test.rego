# `opa test domain/authorization`: every role × every action, in its own organization and in
# another one, against a table written out here rather than derived from `grants`.
package aiaas.authz_test

import data.aiaas.authz

own := "0190a000-0000-7000-8000-00000000000a"

foreign := "0190a000-0000-7000-8000-00000000000b"

all_actions := {
	"organizations:create", "organizations:list", "organizations:read", "organizations:update",
	"organizations:suspend", "organizations:reactivate", "organizations:close",
	"api_keys:create", "api_keys:list", "api_keys:read", "api_keys:revoke", "api_keys:rotate",
	"budgets:create", "budgets:list", "budgets:read", "budgets:update", "budgets:delete",
	"members:list", "members:update", "members:delete",
	"service_accounts:create", "service_accounts:list", "service_accounts:read",
	"service_accounts:rotate", "service_accounts:revoke",
	"users:create", "users:list", "users:read", "users:update", "users:mfa",
	"models:create", "models:list", "models:read", "models:update", "models:delete",
	"analytics:read", "audit:export", "audit:verify",
}

keys := {"api_keys:create", "api_keys:list", "api_keys:read", "api_keys:revoke", "api_keys:rotate"}

budgets := {"budgets:create", "budgets:list", "budgets:read", "budgets:update", "budgets:delete"}

members := {"members:list", "members:update", "members:delete"}

service_accounts := {
	"service_accounts:create", "service_accounts:list", "service_accounts:read",
	"service_accounts:rotate", "service_accounts:revoke",
}

# What each organization role may do in its own organization (a key not its own, for member).
expected := {
	"org_owner": (((({"organizations:read", "organizations:update", "analytics:read", "audit:export"} | keys) | budgets) | members) | service_accounts),
	"org_admin": (((({"organizations:read"} | keys) | budgets) | members) | service_accounts),
	"billing_admin": ({"organizations:read", "analytics:read"} | budgets),
	"analyst": {"organizations:read", "analytics:read"},
	"auditor": {"organizations:read", "audit:export"},
	"member": {"organizations:read"},
}

subject(roles) := {"actor": "user:0190a000-0000-7000-8000-0000000000u1", "kind": "user", "platform_admin": false, "memberships": {own: roles}}

request(sub, action, org) := {"subject": sub, "action": action, "resource": {"type": "test", "organization_id": org, "owner": null}}

test_every_role_every_action_in_its_own_organization if {
	every role, allowed in expected {
		every action in all_actions {
			d := authz.decision with input as request(subject([role]), action, own)

			# Bound first: `opa fmt` drops the parentheses of `d.allow == (action in allowed)`.
			granted := action in allowed
			d.allow == granted
		}
	}
}

test_a_refusal_inside_the_own_organization_is_forbidden if {
	every role, allowed in expected {
		every action in all_actions - allowed {
			d := authz.decision with input as request(subject([role]), action, own)
			d.deny_as == "forbidden"
		}
	}
}

test_no_role_acts_in_another_organization_and_learns_nothing if {
	every role, _ in expected {
		every action in all_actions {
			d := authz.decision with input as request(subject([role]), action, foreign)
			d == {"allow": false, "deny_as": "not_found"}
		}
	}
}

test_roles_add_up if {
	authz.allow with input as request(subject(["analyst", "billing_admin"]), "budgets:update", own)
	authz.allow with input as request(subject(["analyst", "billing_admin"]), "analytics:read", own)
	not authz.allow with input as request(subject(["analyst", "billing_admin"]), "api_keys:create", own)
}

test_platform_admin_does_everything_everywhere if {
	every action in all_actions {
		every org in {own, foreign, null} {
			authz.allow with input as request(object.union(subject([]), {"platform_admin": true}), action, org)
		}
	}
}

test_every_action_of_the_policy_is_in_this_table if {
	object.keys(authz.grants) == all_actions
}

test_an_unknown_action_is_refused_even_to_a_platform_admin if {
	not authz.allow with input as request(object.union(subject([]), {"platform_admin": true}), "organizations:destroy", own)
	not authz.allow with input as request(subject(["org_owner"]), "organizations:destroy", own)
}

test_a_platform_resource_is_forbidden_not_hidden if {
	every role, _ in expected {
		d := authz.decision with input as request(subject([role]), "models:read", null)
		d == {"allow": false, "deny_as": "forbidden"}
	}
}

key_request(sub, action, owner) := {"subject": sub, "action": action, "resource": {"type": "api_key", "organization_id": own, "owner": owner}}

test_a_member_acts_on_its_own_keys_only if {
	me := subject(["member"])
	every action in keys - {"api_keys:list"} {
		authz.allow with input as key_request(me, action, "0190a000-0000-7000-8000-0000000000u1")
		d := authz.decision with input as key_request(me, action, "0190a000-0000-7000-8000-0000000000u2")
		d == {"allow": false, "deny_as": "forbidden"}
		not authz.allow with input as key_request(me, action, null)
	}
	not authz.allow with input as key_request(me, "api_keys:list", "0190a000-0000-7000-8000-0000000000u1")
}

test_a_member_owns_no_key_of_another_organization if {
	me := subject(["member"])
	d := authz.decision with input as {"subject": me, "action": "api_keys:read", "resource": {"type": "api_key", "organization_id": foreign, "owner": "0190a000-0000-7000-8000-0000000000u1"}}
	d == {"allow": false, "deny_as": "not_found"}
}

test_a_service_account_owns_no_key if {
	sa := {"actor": "user:0190a000-0000-7000-8000-0000000000u1", "kind": "service_account", "platform_admin": false, "memberships": {own: ["member"]}}
	not authz.allow with input as key_request(sa, "api_keys:read", "0190a000-0000-7000-8000-0000000000u1")
}

test_a_subject_without_memberships_is_told_not_found if {
	d := authz.decision with input as request({"actor": "user:x", "kind": "user", "platform_admin": false, "memberships": {}}, "organizations:read", own)
	d == {"allow": false, "deny_as": "not_found"}
}

grant(sub, action, roles) := {"subject": sub, "action": action, "resource": {"type": "membership", "organization_id": own, "owner": null, "roles": roles}}

test_an_org_admin_grants_roles_up_to_its_own_and_not_org_owner if {
	every action in {"members:update", "service_accounts:create"} {
		authz.allow with input as grant(subject(["org_admin"]), action, ["org_admin", "member"])
		d := authz.decision with input as grant(subject(["org_admin"]), action, ["member", "org_owner"])
		d == {"allow": false, "deny_as": "forbidden"}
	}
}

test_an_org_owner_grants_every_organization_role if {
	authz.allow with input as grant(subject(["org_owner"]), "members:update", ["org_owner", "auditor"])
	authz.allow with input as grant(subject(["org_owner"]), "service_accounts:create", ["org_owner"])
}

test_holding_org_owner_beside_org_admin_grants_org_owner if {
	authz.allow with input as grant(subject(["org_admin", "org_owner"]), "members:update", ["org_owner"])
}

test_a_platform_admin_grants_any_role if {
	authz.allow with input as grant(object.union(subject([]), {"platform_admin": true}), "members:update", ["org_owner"])
}

me := "0190a000-0000-7000-8000-0000000000u1"

user_request(sub, action, user_id) := {"subject": sub, "action": action, "resource": {"type": "user", "organization_id": null, "owner": user_id}}

test_a_person_reads_itself_and_manages_its_own_mfa_whatever_its_roles if {
	every roles in [[], ["member"], ["org_owner"], ["auditor", "analyst"]] {
		every action in {"users:read", "users:mfa"} {
			authz.allow with input as user_request(subject(roles), action, me)
		}
	}
}

test_a_person_never_acts_on_another_user if {
	every action in {"users:read", "users:mfa", "users:update"} {
		d := authz.decision with input as user_request(subject(["org_owner"]), action, "0190a000-0000-7000-8000-0000000000u2")
		d == {"allow": false, "deny_as": "forbidden"}
	}
}

test_a_person_does_not_change_its_own_status_password_or_platform_role if {
	not authz.allow with input as user_request(subject(["org_owner"]), "users:update", me)
	not authz.allow with input as user_request(subject(["org_owner"]), "users:create", me)
}

test_a_service_account_is_no_user if {
	sa := {"actor": concat(":", ["user", me]), "kind": "service_account", "platform_admin": false, "memberships": {}}
	not authz.allow with input as user_request(sa, "users:read", me)
}

test_self_service_is_on_user_resources_only if {
	not authz.allow with input as {"subject": subject([]), "action": "users:read", "resource": {"type": "api_key", "organization_id": null, "owner": me}}
}

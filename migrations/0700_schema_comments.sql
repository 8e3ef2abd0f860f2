-- Documentation in the catalog (docs/schema.md is the long form): every table says which library
-- owns it and what a row is; the rules enforced by triggers, functions and restrictive policies
-- say what they refuse and which error code the API answers with.

-- identity
COMMENT ON TABLE aventian.tbl_users IS 'identity: a person''s account (e-mail unique case-insensitively, argon2id password hash or none for SSO-only, active/disabled).';
COMMENT ON TABLE aventian.sessions IS 'identity: one sign-in; its id is the sid claim of every access token it yields. Deleted by SessionsJanitor a day after it ends.';
COMMENT ON TABLE aventian.refresh_tokens IS 'identity: every refresh token of a session, by SHA-256; exactly one current, presenting a rotated one revokes the session.';
COMMENT ON TABLE aventian.signing_keys IS 'identity: ES256 JWT signing keys; the private half sealed under the KEK, retired keys verify until verify_until.';
COMMENT ON TABLE aventian.tbl_oauth_identities IS 'sso: a user''s account at an OpenID Connect provider, identified by (provider, subject).';

-- rbac
COMMENT ON TABLE aventian.tbl_teams IS 'rbac: a tenant. Soft-deleted (status deleted). Team-scoped rows of every other table hang off it (RLS).';
COMMENT ON TABLE aventian.tbl_team_members IS 'rbac: membership of a user in a team.';
COMMENT ON TABLE aventian.tbl_roles IS 'rbac: roles. team_id NULL = system roles (team_owner, platform_admin); set = a team''s custom role or one made from a product template.';
COMMENT ON TABLE aventian.tbl_role_privileges IS 'rbac: privileges of a role; carries its role''s team (RLS key), product and privilege code, filled by triggers.';
COMMENT ON TABLE aventian.tbl_member_roles IS 'rbac: the roles a member holds in a team (user -> team -> role).';
COMMENT ON TABLE aventian.tbl_platform_role_assignments IS 'rbac: holders of platform-wide system roles (platform_admin).';

-- products
COMMENT ON TABLE aventian.tbl_master_products IS 'products: the product catalogue (domain name: products); code, status, allowed resource types, provisioning script.';
COMMENT ON TABLE aventian.tbl_privileges IS 'products: privileges "<resourceType>:<action>" of a product; product_id NULL = platform-level (team management) privileges.';
COMMENT ON TABLE aventian.tbl_role_templates IS 'products: a product''s role templates; subscribing teams get a role made from each.';
COMMENT ON TABLE aventian.tbl_role_template_privileges IS 'products: privileges of a role template.';
COMMENT ON TABLE aventian.tbl_team_product_assoc IS 'products: subscriptions (domain name) of teams to products: plan, seats, status; one live subscription per team and product.';
COMMENT ON TABLE aventian.api_keys IS 'products: product API keys (avn_pk_...); only a SHA-256 of the whole key and a lookup prefix are kept.';
COMMENT ON TABLE aventian.team_data_keys IS 'products: per-team data keys (DEK) wrapped by the KEK named by kek_id/kek_version; one active per team.';
COMMENT ON TABLE aventian.team_db_connections IS 'products: a team''s database connection string for a product, AES-256-GCM under the team''s data key.';

-- invitations, mail
COMMENT ON TABLE aventian.tbl_invitations IS 'invitations: an invitation of an e-mail address into a team with roles; only the SHA-256 of the token is stored.';
COMMENT ON TABLE aventian.tbl_mail_outbox IS 'mail: outgoing mail, written in the transaction of the change that sends it; next_attempt_at is also the delivery lease.';

-- user-details, database
COMMENT ON TABLE aventian.cache_epoch IS 'user-details: the persisted cache epoch, bumped by a write that could not bump its cache versions (Redis down).';
COMMENT ON TABLE aventian.schema_migrations IS 'database: applied migrations with their checksums (forward-only).';

-- audit
COMMENT ON TABLE aventian_audit.audit_events IS 'audit: the hash-chained trail, one chain per team (team_id NULL = platform chain). Append-only.';
COMMENT ON TABLE aventian_audit.audit_checkpoints IS 'audit: signed (Ed25519) statements "chain X had hash H at seq N". Append-only.';
COMMENT ON TABLE aventian_audit.audit_signing_keys IS 'audit: Ed25519 checkpoint keys; the private half sealed under the KEK. Append-only.';
COMMENT ON TABLE aventian_audit.audit_archives IS 'audit: pointers to archived (then removed) event ranges in the object store. Append-only.';
COMMENT ON TABLE aventian_audit.activity_log IS 'audit: user activity (logins, team switches, invitation acceptance), kept RETENTION_DAYS; purged only by its definer function.';

-- Rules enforced by triggers and functions.
COMMENT ON TRIGGER trg_member_roles_check ON aventian.tbl_member_roles IS
  'Rule: a member may only hold a role of the same team or the team-less team_owner (never platform_admin); else 422 UNKNOWN_ROLE.';
COMMENT ON TRIGGER trg_member_roles_seats ON aventian.tbl_member_roles IS
  'Rule: seat limit. Granting a product role beyond the live subscription''s seats fails with 422 SEATS_EXHAUSTED (the subscription row is locked first).';
COMMENT ON TRIGGER trg_team_product_assoc_seats ON aventian.tbl_team_product_assoc IS
  'Rule: seat limit. Lowering seats (or reactivating) below the members holding the product''s roles fails with 422 SEATS_EXHAUSTED.';
COMMENT ON TRIGGER trg_team_product_assoc_drop_connection ON aventian.tbl_team_product_assoc IS
  'Rule: a subscription that ends (canceled) deletes its team''s connection string for the product in the same transaction.';
COMMENT ON TRIGGER trg_role_privileges_team ON aventian.tbl_role_privileges IS
  'Rule: role-belongs-to-team. A role-privilege row always carries its role''s team (the RLS key), whatever the writer sent.';
COMMENT ON TRIGGER trg_role_privileges_code ON aventian.tbl_role_privileges IS
  'Rule: a role-privilege row carries its privilege''s code and product, copied from tbl_privileges (the application cannot set them).';
COMMENT ON TRIGGER trg_privileges_immutable ON aventian.tbl_privileges IS
  'Rule: privilege immutability. A privilege keeps its code and product; a change fails with 422 PRIVILEGE_IMMUTABLE.';
COMMENT ON FUNCTION aventian_audit.refuse_change() IS
  'Rule: audit tables are append-only. UPDATE, DELETE and TRUNCATE fail with AUDIT_APPEND_ONLY, except a DELETE run by the purge functions as the table owner.';
COMMENT ON FUNCTION aventian_audit.purge_archived_events(uuid, bigint, integer) IS
  'Removes a chain''s events up to an archive pointer: AUDIT_NOT_ARCHIVED without a pointer, AUDIT_TOO_RECENT inside the retention period.';
COMMENT ON FUNCTION aventian_audit.purge_activity_log(integer, integer) IS
  'Deletes one batch of activity-log rows older than the given days (the application role has no DELETE on the audit schema).';
COMMENT ON FUNCTION aventian.rbac_team_access(uuid, uuid) IS
  'The AuthGuard''s team read: is_owner and privilege codes of one user in one active team (no row: not a member).';
COMMENT ON FUNCTION aventian.user_details_many(uuid[], uuid) IS
  'GetUserDetails on a cache miss: the response body (JSON text) of several users for one product, with the teams and roles it depends on.';
COMMENT ON FUNCTION aventian.product_seats_used(uuid, uuid) IS
  'Members of a team holding at least one role of the product (seat count), read whatever the caller''s RLS scope.';

-- Rules enforced by restrictive row-level security policies.
COMMENT ON POLICY roles_system_immutable_upd ON aventian.tbl_roles IS 'Rule: system roles (team_id NULL) change only in the platform scope.';
COMMENT ON POLICY roles_system_immutable_del ON aventian.tbl_roles IS 'Rule: system roles (team_id NULL) are deleted only in the platform scope.';
COMMENT ON POLICY role_privileges_system_immutable_upd ON aventian.tbl_role_privileges IS 'Rule: privileges of system roles change only in the platform scope.';
COMMENT ON POLICY role_privileges_system_immutable_del ON aventian.tbl_role_privileges IS 'Rule: privileges of system roles are deleted only in the platform scope.';
COMMENT ON POLICY team_members_delete_scope ON aventian.tbl_team_members IS 'Rule: memberships are deleted only in their team''s scope (or platform).';
COMMENT ON POLICY member_roles_delete_scope ON aventian.tbl_member_roles IS 'Rule: role assignments are deleted only in their team''s scope (or platform).';
COMMENT ON POLICY teams_delete_scope ON aventian.tbl_teams IS 'Rule: a team row is deleted only in its own scope (or platform).';
COMMENT ON POLICY roles_delete_scope ON aventian.tbl_roles IS 'Rule: a team role is deleted only in its team''s scope (or platform).';
COMMENT ON POLICY team_product_assoc_delete_scope ON aventian.tbl_team_product_assoc IS 'Rule: a subscription is deleted only in its team''s scope (or platform).';

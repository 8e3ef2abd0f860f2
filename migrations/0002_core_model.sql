-- The spine every bounded context shares: users, teams, memberships, products, privileges, roles,
-- role assignments, subscriptions, and the audit/activity tables. Team-scoped tables have RLS.

CREATE TABLE aventian.tbl_users (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  email text NOT NULL CHECK (length(email) <= 320),
  email_normalized text NOT NULL UNIQUE CHECK (email_normalized = lower(email_normalized)),
  display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  locale text NOT NULL DEFAULT 'en' CHECK (length(locale) BETWEEN 2 AND 35),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash text,
  password_changed_at timestamptz,
  last_login_at timestamptz,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aventian.tbl_teams (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deleted')),
  created_by uuid REFERENCES aventian.tbl_users (id) ON DELETE SET NULL,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aventian.tbl_team_members (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid NOT NULL REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES aventian.tbl_users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (team_id, user_id)
);
CREATE INDEX idx_team_members_user ON aventian.tbl_team_members (user_id, team_id);

CREATE TABLE aventian.tbl_master_products (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  provisioning_script text,
  dashboard_url text,
  allowed_resource_types text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Privilege code is '<resourceType>:<action>'; product_id NULL = platform-level (team management).
CREATE TABLE aventian.tbl_privileges (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  product_id uuid REFERENCES aventian.tbl_master_products (id) ON DELETE CASCADE,
  resource_type text NOT NULL CHECK (resource_type ~ '^[a-z][a-z0-9._-]{0,62}$'),
  action text NOT NULL CHECK (action ~ '^[a-z][a-z0-9._-]{0,62}$'),
  code text NOT NULL UNIQUE,
  description text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (code = resource_type || ':' || action)
);
CREATE INDEX idx_privileges_product ON aventian.tbl_privileges (product_id);

CREATE TABLE aventian.tbl_role_templates (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  product_id uuid NOT NULL REFERENCES aventian.tbl_master_products (id) ON DELETE CASCADE,
  code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9._-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  system boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (product_id, code)
);

CREATE TABLE aventian.tbl_role_template_privileges (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  template_id uuid NOT NULL REFERENCES aventian.tbl_role_templates (id) ON DELETE CASCADE,
  privilege_id uuid NOT NULL REFERENCES aventian.tbl_privileges (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (template_id, privilege_id)
);

-- Roles: team_id NULL = invisible system roles defined once (platform_admin, team_owner);
-- team_id set = a team's custom role or a role instantiated from a product's template.
CREATE TABLE aventian.tbl_roles (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE,
  product_id uuid REFERENCES aventian.tbl_master_products (id) ON DELETE CASCADE,
  template_id uuid REFERENCES aventian.tbl_role_templates (id) ON DELETE SET NULL,
  code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9._-]{0,62}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  system boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT uq_roles_team_code UNIQUE NULLS NOT DISTINCT (team_id, code)
);
CREATE INDEX idx_roles_template ON aventian.tbl_roles (template_id) WHERE template_id IS NOT NULL;

CREATE TABLE aventian.tbl_role_privileges (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  role_id uuid NOT NULL REFERENCES aventian.tbl_roles (id) ON DELETE CASCADE,
  privilege_id uuid NOT NULL REFERENCES aventian.tbl_privileges (id) ON DELETE CASCADE,
  team_id uuid REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE, -- copy of the role's team, for RLS
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (role_id, privilege_id)
);

-- user -> team -> role
CREATE TABLE aventian.tbl_member_roles (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid NOT NULL,
  user_id uuid NOT NULL,
  role_id uuid NOT NULL REFERENCES aventian.tbl_roles (id) ON DELETE CASCADE,
  granted_by uuid REFERENCES aventian.tbl_users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (team_id, user_id, role_id),
  FOREIGN KEY (team_id, user_id) REFERENCES aventian.tbl_team_members (team_id, user_id) ON DELETE CASCADE
);
CREATE INDEX idx_member_roles_user ON aventian.tbl_member_roles (user_id, team_id);
CREATE INDEX idx_member_roles_role ON aventian.tbl_member_roles (role_id);

-- Platform-wide system role holders (platform_admin).
CREATE TABLE aventian.tbl_platform_role_assignments (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  user_id uuid NOT NULL REFERENCES aventian.tbl_users (id) ON DELETE CASCADE,
  role_id uuid NOT NULL REFERENCES aventian.tbl_roles (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, role_id)
);

CREATE TABLE aventian.tbl_team_product_assoc (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid NOT NULL REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES aventian.tbl_master_products (id) ON DELETE CASCADE,
  plan text NOT NULL CHECK (length(plan) BETWEEN 1 AND 64),
  seats integer CHECK (seats IS NULL OR seats >= 0),
  status text NOT NULL CHECK (status IN ('provisioning', 'active', 'failed', 'canceled')),
  failure_reason text,
  canceled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- One live subscription per team and product (a canceled one may be followed by a new one).
CREATE UNIQUE INDEX uq_team_product_live ON aventian.tbl_team_product_assoc (team_id, product_id) WHERE status <> 'canceled';
CREATE INDEX idx_team_product_product ON aventian.tbl_team_product_assoc (product_id, team_id) WHERE status = 'active';

-- System roles and platform-level privileges.
INSERT INTO aventian.tbl_roles (team_id, code, name, system) VALUES
  (NULL, 'platform_admin', 'Platform admin', true),
  (NULL, 'team_owner', 'Team owner', true);

INSERT INTO aventian.tbl_privileges (product_id, resource_type, action, code, description) VALUES
  (NULL, 'team', 'read', 'team:read', 'Read the team'),
  (NULL, 'team', 'write', 'team:write', 'Rename the team'),
  (NULL, 'team', 'delete', 'team:delete', 'Delete the team'),
  (NULL, 'team.members', 'read', 'team.members:read', 'List members and invitations'),
  (NULL, 'team.members', 'write', 'team.members:write', 'Invite and remove members'),
  (NULL, 'team.roles', 'read', 'team.roles:read', 'List roles'),
  (NULL, 'team.roles', 'write', 'team.roles:write', 'Create roles, change privileges, grant and revoke roles'),
  (NULL, 'team.subscriptions', 'read', 'team.subscriptions:read', 'List subscriptions'),
  (NULL, 'team.subscriptions', 'write', 'team.subscriptions:write', 'Subscribe, change and cancel subscriptions'),
  (NULL, 'team.audit', 'read', 'team.audit:read', 'Read the team''s audit trail and activity log');

-- Audit trail (append-only: the app role may only SELECT and INSERT; see default privileges).
-- team_id NULL = the platform chain. The chain columns are maintained by the audit service.
CREATE TABLE aventian_audit.audit_events (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid,
  seq bigint NOT NULL,
  ts timestamptz NOT NULL DEFAULT now(),
  actor_id uuid,
  actor_type text NOT NULL CHECK (actor_type IN ('user', 'product_key', 'system')),
  action text NOT NULL,
  target_type text,
  target_id text,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text,
  ip text,
  prev_hash bytea,
  hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_audit_chain_seq ON aventian_audit.audit_events ((coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)), seq);
CREATE INDEX idx_audit_team_ts ON aventian_audit.audit_events (team_id, ts DESC, id DESC);

CREATE TABLE aventian_audit.activity_log (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  user_id uuid,
  user_email text,
  team_id uuid,
  product_id uuid,
  action text NOT NULL,
  ip text,
  ts timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_activity_team_ts ON aventian_audit.activity_log (team_id, ts DESC, id DESC);
CREATE INDEX idx_activity_ts ON aventian_audit.activity_log (ts);

-- Row-level security on team-scoped tables (second line behind the repositories' team filters).
ALTER TABLE aventian.tbl_teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY teams_access ON aventian.tbl_teams
  USING (aventian.rls_is_platform() OR id = aventian.rls_team_id()
         OR EXISTS (SELECT 1 FROM aventian.tbl_team_members m WHERE m.team_id = tbl_teams.id AND m.user_id = aventian.rls_user_id()))
  WITH CHECK (aventian.rls_is_platform() OR id = aventian.rls_team_id());

ALTER TABLE aventian.tbl_team_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_members_access ON aventian.tbl_team_members
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id() OR user_id = aventian.rls_user_id())
  WITH CHECK (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

ALTER TABLE aventian.tbl_member_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY member_roles_access ON aventian.tbl_member_roles
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id() OR user_id = aventian.rls_user_id())
  WITH CHECK (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

ALTER TABLE aventian.tbl_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY roles_access ON aventian.tbl_roles
  USING (team_id IS NULL OR aventian.rls_is_platform() OR team_id = aventian.rls_team_id()
         OR EXISTS (SELECT 1 FROM aventian.tbl_team_members m WHERE m.team_id = tbl_roles.team_id AND m.user_id = aventian.rls_user_id()))
  WITH CHECK (aventian.rls_is_platform() OR (team_id IS NOT NULL AND team_id = aventian.rls_team_id()));

ALTER TABLE aventian.tbl_role_privileges ENABLE ROW LEVEL SECURITY;
CREATE POLICY role_privileges_access ON aventian.tbl_role_privileges
  USING (team_id IS NULL OR aventian.rls_is_platform() OR team_id = aventian.rls_team_id()
         OR EXISTS (SELECT 1 FROM aventian.tbl_team_members m WHERE m.team_id = tbl_role_privileges.team_id AND m.user_id = aventian.rls_user_id()))
  WITH CHECK (aventian.rls_is_platform() OR (team_id IS NOT NULL AND team_id = aventian.rls_team_id()));

ALTER TABLE aventian.tbl_team_product_assoc ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_product_assoc_access ON aventian.tbl_team_product_assoc
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id()
         OR EXISTS (SELECT 1 FROM aventian.tbl_team_members m WHERE m.team_id = tbl_team_product_assoc.team_id AND m.user_id = aventian.rls_user_id()))
  WITH CHECK (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

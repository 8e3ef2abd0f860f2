-- RBAC: the hot access lookup, indexes for member listing, and RLS hardening of the spine.

-- The guard asks "is this user a member of this (active) team, and with which privileges?" on
-- every management request. One statement, no transaction: a SECURITY DEFINER function owned by
-- the schema owner reads the membership/role tables without an RLS scope. It answers only about
-- the (user, team) pair it is given and is callable only by the app role.
CREATE OR REPLACE FUNCTION aventian.rbac_team_access(p_user uuid, p_team uuid)
RETURNS TABLE (is_owner boolean, privileges text[])
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(bool_or(r.team_id IS NULL AND r.code = 'team_owner'), false),
         coalesce(array_agg(DISTINCT p.code) FILTER (WHERE p.code IS NOT NULL), '{}'::text[])
    FROM aventian.tbl_team_members m
    JOIN aventian.tbl_teams t ON t.id = m.team_id AND t.status = 'active'
    LEFT JOIN aventian.tbl_member_roles mr ON mr.team_id = m.team_id AND mr.user_id = m.user_id
    LEFT JOIN aventian.tbl_roles r ON r.id = mr.role_id
    LEFT JOIN aventian.tbl_role_privileges rp ON rp.role_id = mr.role_id
    LEFT JOIN aventian.tbl_privileges p ON p.id = rp.privilege_id
   WHERE m.team_id = p_team AND m.user_id = p_user
   GROUP BY m.id
$$;
REVOKE ALL ON FUNCTION aventian.rbac_team_access(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aventian.rbac_team_access(uuid, uuid) TO ${APP_ROLE};

-- Member listing pages by user id within a team (UNIQUE (team_id, user_id) already serves it);
-- the member-roles FK (team_id, user_id) needs its own index for per-member role lookups and
-- cascades when a member is removed.
CREATE INDEX IF NOT EXISTS idx_member_roles_team_user ON aventian.tbl_member_roles (team_id, user_id, role_id);
CREATE INDEX IF NOT EXISTS idx_role_privileges_team ON aventian.tbl_role_privileges (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_teams_active_id ON aventian.tbl_teams (id) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS idx_team_product_team ON aventian.tbl_team_product_assoc (team_id);

-- RLS hardening.
-- 1. A role-privilege row must carry its role's team (the RLS key): a copy that disagrees would
--    let a row of team A's role be visible/writable under team B's scope.
CREATE OR REPLACE FUNCTION aventian.rbac_role_privilege_team() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  SELECT r.team_id INTO NEW.team_id FROM aventian.tbl_roles r WHERE r.id = NEW.role_id;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_role_privileges_team BEFORE INSERT OR UPDATE OF role_id, team_id ON aventian.tbl_role_privileges
  FOR EACH ROW EXECUTE FUNCTION aventian.rbac_role_privilege_team();

-- 2. A member-role row may only reference a role of the same team or a team-less system role
--    other than platform_admin (platform_admin is held platform-wide, never per team).
CREATE OR REPLACE FUNCTION aventian.rbac_member_role_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r_team uuid;
  r_code text;
BEGIN
  SELECT team_id, code INTO r_team, r_code FROM aventian.tbl_roles WHERE id = NEW.role_id;
  IF r_team IS DISTINCT FROM NEW.team_id AND NOT (r_team IS NULL AND r_code = 'team_owner') THEN
    RAISE EXCEPTION USING ERRCODE = 'AV422', MESSAGE = 'UNKNOWN_ROLE: the role does not belong to this team';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_member_roles_check BEFORE INSERT OR UPDATE OF role_id, team_id ON aventian.tbl_member_roles
  FOR EACH ROW EXECUTE FUNCTION aventian.rbac_member_role_check();

-- 3. System roles (team_id NULL) and their privilege rows were visible under any scope and the
--    WITH CHECK clauses already refuse writes to them outside the platform scope; make the
--    read side of the user-scope branch on teams explicit about members only (unchanged
--    semantics) and add restrictive policies so that no scope other than platform can ever
--    UPDATE/DELETE system roles.
CREATE POLICY roles_system_immutable_upd ON aventian.tbl_roles AS RESTRICTIVE FOR UPDATE
  USING (team_id IS NOT NULL OR aventian.rls_is_platform());
CREATE POLICY roles_system_immutable_del ON aventian.tbl_roles AS RESTRICTIVE FOR DELETE
  USING (team_id IS NOT NULL OR aventian.rls_is_platform());
CREATE POLICY role_privileges_system_immutable_upd ON aventian.tbl_role_privileges AS RESTRICTIVE FOR UPDATE
  USING (team_id IS NOT NULL OR aventian.rls_is_platform());
CREATE POLICY role_privileges_system_immutable_del ON aventian.tbl_role_privileges AS RESTRICTIVE FOR DELETE
  USING (team_id IS NOT NULL OR aventian.rls_is_platform());

-- 4. Writes through the user scope: the 0002 WITH CHECK clauses already demand the team scope
--    (or platform) for INSERT/UPDATE. DELETE has no WITH CHECK, so a user-scoped transaction
--    could delete its own membership rows in any team; restrict DELETE to the team/platform scope.
CREATE POLICY team_members_delete_scope ON aventian.tbl_team_members AS RESTRICTIVE FOR DELETE
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());
CREATE POLICY member_roles_delete_scope ON aventian.tbl_member_roles AS RESTRICTIVE FOR DELETE
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());
CREATE POLICY teams_delete_scope ON aventian.tbl_teams AS RESTRICTIVE FOR DELETE
  USING (aventian.rls_is_platform() OR id = aventian.rls_team_id());
CREATE POLICY roles_delete_scope ON aventian.tbl_roles AS RESTRICTIVE FOR DELETE
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());
CREATE POLICY team_product_assoc_delete_scope ON aventian.tbl_team_product_assoc AS RESTRICTIVE FOR DELETE
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

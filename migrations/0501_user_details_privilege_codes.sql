-- GetUserDetails: a role's privilege codes for a product read from the mapping rows themselves.
--
-- The miss statement spent about 40% of its time visiting tbl_privileges once per mapping row to
-- learn the code and the product. Privileges never change code or product (enforced below), so each
-- mapping carries both, filled by a trigger (the application cannot set them), and one covering
-- index answers "codes of role R for product P" with an index-only range scan.

ALTER TABLE aventian.tbl_role_privileges ADD COLUMN product_id uuid, ADD COLUMN privilege_code text;
UPDATE aventian.tbl_role_privileges rp
   SET product_id = p.product_id, privilege_code = p.code
  FROM aventian.tbl_privileges p
 WHERE p.id = rp.privilege_id;
ALTER TABLE aventian.tbl_role_privileges ALTER COLUMN privilege_code SET NOT NULL;

CREATE FUNCTION aventian.rbac_role_privilege_code() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  SELECT p.product_id, p.code INTO NEW.product_id, NEW.privilege_code FROM aventian.tbl_privileges p WHERE p.id = NEW.privilege_id;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_role_privileges_code BEFORE INSERT OR UPDATE OF privilege_id, product_id, privilege_code ON aventian.tbl_role_privileges
  FOR EACH ROW EXECUTE FUNCTION aventian.rbac_role_privilege_code();

CREATE FUNCTION aventian.rbac_privilege_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NEW.code IS DISTINCT FROM OLD.code OR NEW.product_id IS DISTINCT FROM OLD.product_id THEN
    RAISE EXCEPTION USING ERRCODE = 'AV422', MESSAGE = 'PRIVILEGE_IMMUTABLE: a privilege keeps its code and product';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER trg_privileges_immutable BEFORE UPDATE OF code, product_id ON aventian.tbl_privileges
  FOR EACH ROW EXECUTE FUNCTION aventian.rbac_privilege_immutable();

CREATE INDEX idx_role_privileges_role_product ON aventian.tbl_role_privileges (role_id, product_id) INCLUDE (privilege_code);

-- Same function, same answer; only the privileges sub-select changed.
CREATE OR REPLACE FUNCTION aventian.user_details(p_user_id uuid, p_product_id uuid)
RETURNS TABLE (details text, team_ids uuid[], role_ids uuid[])
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
-- plpgsql keeps the prepared plan for the session, and a generic plan avoids re-planning this
-- multi-CTE statement on every miss (a LANGUAGE sql function is planned on every call before PG 18).
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
  WITH u AS (
    SELECT id, email, display_name, status FROM aventian.tbl_users WHERE id = p_user_id
  ), mem AS (
    SELECT t.id AS team_id, t.name AS team_name
    FROM aventian.tbl_team_members tm
    JOIN aventian.tbl_teams t ON t.id = tm.team_id AND t.status = 'active'
    WHERE tm.user_id = p_user_id
  ), sub AS (
    SELECT mem.team_id, mem.team_name, s.plan, s.status
    FROM mem
    JOIN aventian.tbl_team_product_assoc s
      ON s.team_id = mem.team_id AND s.product_id = p_product_id AND s.status = 'active'
    WHERE (SELECT status FROM u) = 'active'
  ), held AS (
    -- Roles of other products (instantiated from their templates) are not shown to this product.
    SELECT mr.team_id, r.id AS role_id, r.code, r.name, r.system
    FROM sub
    JOIN aventian.tbl_member_roles mr ON mr.user_id = p_user_id AND mr.team_id = sub.team_id
    JOIN aventian.tbl_roles r ON r.id = mr.role_id AND (r.product_id IS NULL OR r.product_id = p_product_id)
  )
  SELECT
    json_build_object(
      'user', json_build_object('id', u.id, 'email', u.email, 'displayName', u.display_name, 'status', u.status),
      'product', (SELECT code FROM aventian.tbl_master_products WHERE id = p_product_id),
      'teams', coalesce((
        SELECT json_agg(json_build_object(
          'teamId', sub.team_id,
          'teamName', sub.team_name,
          'subscription', json_build_object('plan', sub.plan, 'status', sub.status),
          'roles', coalesce((
            SELECT json_agg(json_build_object('code', h.code, 'name', h.name, 'system', h.system)
                            ORDER BY h.system DESC, h.code COLLATE "C")
            FROM held h WHERE h.team_id = sub.team_id), '[]'::json),
          'privileges', coalesce((
            SELECT json_agg(DISTINCT rp.privilege_code COLLATE "C" ORDER BY rp.privilege_code COLLATE "C")
            FROM held h
            JOIN aventian.tbl_role_privileges rp ON rp.role_id = h.role_id AND rp.product_id = p_product_id
            WHERE h.team_id = sub.team_id), '[]'::json)
        ) ORDER BY sub.team_name COLLATE "C", sub.team_id)
        FROM sub), '[]'::json)
    )::text,
    ARRAY(SELECT team_id FROM mem),
    ARRAY(SELECT DISTINCT role_id FROM held)
  FROM u;
END
$$;


-- GetUserDetails: the one-statement read behind a cache miss, and the persisted cache epoch.

-- Bumped (in PostgreSQL) by a write whose cache-version bump failed because the cache was down.
-- Every instance compares it with the copy held in the cache and invalidates everything cached
-- before the outage when it advanced, including instances that never saw the outage themselves.
CREATE TABLE aventian.cache_epoch (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
  epoch bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO aventian.cache_epoch (epoch) VALUES (0);

-- Everything GetUserDetails answers for (user, product) in one round trip:
--   details  = the response body (JSON text, built here so the app neither parses nor re-serialises it);
--   team_ids = every live team the user belongs to, role_ids = every role feeding the answer: the
--              cache entry depends on their version counters.
-- No row = unknown user.
--
-- SECURITY DEFINER (owned by the migration owner, which owns the tables, so RLS does not filter it):
-- this is a trusted cross-team read, and running it as a plain autocommit statement saves the
-- BEGIN / set_config(platform) / COMMIT round trips a platform-scoped transaction would cost on
-- every cache miss. It sets nothing and can only reveal what GetUserDetails reveals anyway, for
-- the product passed in (the caller's authenticated product). search_path is pinned so the definer
-- rights cannot be hijacked through objects in another schema.
CREATE FUNCTION aventian.user_details(p_user_id uuid, p_product_id uuid)
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
            SELECT json_agg(DISTINCT pv.code COLLATE "C" ORDER BY pv.code COLLATE "C")
            FROM held h
            JOIN aventian.tbl_role_privileges rp ON rp.role_id = h.role_id
            JOIN aventian.tbl_privileges pv ON pv.id = rp.privilege_id AND pv.product_id = p_product_id
            WHERE h.team_id = sub.team_id), '[]'::json)
        ) ORDER BY sub.team_name COLLATE "C", sub.team_id)
        FROM sub), '[]'::json)
    )::text,
    ARRAY(SELECT team_id FROM mem),
    ARRAY(SELECT DISTINCT role_id FROM held)
  FROM u;
END
$$;

REVOKE ALL ON FUNCTION aventian.user_details(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aventian.user_details(uuid, uuid) TO ${APP_ROLE};

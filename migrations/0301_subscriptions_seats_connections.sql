-- Seats, per-team data keys and encrypted per-team database connections.

-- Members of a team holding at least one of the product's team roles (roles made from its templates).
-- SECURITY DEFINER: the count must see every row of the team whatever RLS scope the caller runs in.
CREATE OR REPLACE FUNCTION aventian.product_seats_used(p_team_id uuid, p_product_id uuid) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, aventian AS $$
  SELECT count(DISTINCT mr.user_id)::integer
    FROM aventian.tbl_member_roles mr
    JOIN aventian.tbl_roles r ON r.id = mr.role_id
   WHERE mr.team_id = p_team_id AND r.team_id = p_team_id AND r.product_id = p_product_id
$$;

-- A grant of a product role: lock the live subscription row (serialises concurrent grants of the
-- same team+product), then count with a fresh snapshot; over the limit -> SEATS_EXHAUSTED (HTTP 422).
CREATE OR REPLACE FUNCTION aventian.enforce_product_seats_on_grant() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, aventian AS $$
DECLARE
  v_product uuid;
  v_seats integer;
  v_used integer;
BEGIN
  SELECT r.product_id INTO v_product FROM aventian.tbl_roles r WHERE r.id = NEW.role_id;
  IF v_product IS NULL THEN
    RETURN NULL;
  END IF;
  SELECT s.seats INTO v_seats
    FROM aventian.tbl_team_product_assoc s
   WHERE s.team_id = NEW.team_id AND s.product_id = v_product AND s.status <> 'canceled'
   FOR UPDATE;
  IF NOT FOUND OR v_seats IS NULL THEN
    RETURN NULL; -- no live subscription (nothing to bound) or unlimited seats
  END IF;
  v_used := aventian.product_seats_used(NEW.team_id, v_product);
  IF v_used > v_seats THEN
    RAISE EXCEPTION USING ERRCODE = 'AV422',
      MESSAGE = format('SEATS_EXHAUSTED: all %s seats of the subscription are taken', v_seats);
  END IF;
  RETURN NULL;
END $$;

-- AFTER ROW: the statement's own rows are visible to the count, so a multi-row insert is checked too.
CREATE TRIGGER trg_member_roles_seats
  AFTER INSERT OR UPDATE OF role_id, user_id, team_id ON aventian.tbl_member_roles
  FOR EACH ROW EXECUTE FUNCTION aventian.enforce_product_seats_on_grant();

-- Lowering seats (or reactivating a subscription) below the members already holding product roles.
CREATE OR REPLACE FUNCTION aventian.enforce_product_seats_on_subscription() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, aventian AS $$
DECLARE
  v_used integer;
BEGIN
  IF NEW.status = 'canceled' OR NEW.seats IS NULL THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.status <> 'canceled' AND OLD.seats IS NOT NULL AND NEW.seats >= OLD.seats THEN
    RETURN NEW; -- more seats never breaks the bound
  END IF;
  v_used := aventian.product_seats_used(NEW.team_id, NEW.product_id);
  IF v_used > NEW.seats THEN
    RAISE EXCEPTION USING ERRCODE = 'AV422',
      MESSAGE = format('SEATS_EXHAUSTED: %s members hold roles of this product, more than %s seats', v_used, NEW.seats);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER trg_team_product_assoc_seats
  BEFORE INSERT OR UPDATE OF seats, status ON aventian.tbl_team_product_assoc
  FOR EACH ROW EXECUTE FUNCTION aventian.enforce_product_seats_on_subscription();

-- Envelope encryption: one data key (DEK) per team, stored wrapped by a key-encryption key (KEK)
-- of the SecretProvider. kek_id/kek_version name the KEK that wrapped it, so rotation can find
-- rows to re-wrap and old KEK versions keep decrypting until then. 'retired' DEKs still decrypt
-- rows not yet re-encrypted; new rows always use the team's active DEK.
CREATE TABLE aventian.team_data_keys (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid NOT NULL REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  wrapped_key bytea NOT NULL,
  kek_id text NOT NULL CHECK (length(kek_id) <= 500),
  kek_version text NOT NULL CHECK (length(kek_version) <= 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_team_data_keys_active ON aventian.team_data_keys (team_id) WHERE status = 'active';
CREATE INDEX idx_team_data_keys_kek ON aventian.team_data_keys (kek_id, kek_version);

-- One connection string per team and product: AES-256-GCM under the team's DEK, associated data
-- binds it to (team id, product code), so a row copied to another team or product fails to decrypt.
CREATE TABLE aventian.team_db_connections (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid NOT NULL REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES aventian.tbl_master_products (id) ON DELETE CASCADE,
  data_key_id uuid NOT NULL REFERENCES aventian.team_data_keys (id),
  ciphertext bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (team_id, product_id)
);
CREATE INDEX idx_team_db_connections_key ON aventian.team_db_connections (data_key_id);

ALTER TABLE aventian.team_data_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_data_keys_access ON aventian.team_data_keys
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id())
  WITH CHECK (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

ALTER TABLE aventian.team_db_connections ENABLE ROW LEVEL SECURITY;
CREATE POLICY team_db_connections_access ON aventian.team_db_connections
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id())
  WITH CHECK (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

CREATE INDEX idx_team_product_assoc_team ON aventian.tbl_team_product_assoc (team_id, created_at);

-- Audit integrity: the trail is append-only even for a role that somehow gained DML, checkpoints
-- are signed (Ed25519), archives continue the hash chain, and retention deletes only through
-- SECURITY DEFINER functions owned by the migration owner (the app role has no DELETE here).

-- Query paths: admin listing/export across teams, per-actor and per-action filters.
CREATE INDEX idx_audit_ts_id ON aventian_audit.audit_events (ts DESC, id DESC);
CREATE INDEX idx_audit_actor_ts ON aventian_audit.audit_events (actor_id, ts DESC, id DESC) WHERE actor_id IS NOT NULL;
CREATE INDEX idx_activity_ts_id ON aventian_audit.activity_log (ts DESC, id DESC);
CREATE INDEX idx_activity_email_ts ON aventian_audit.activity_log (lower(user_email), ts DESC, id DESC);

-- Ed25519 signing keys for checkpoints; the private key is sealed with a KEK (AES-256-GCM).
CREATE TABLE aventian_audit.audit_signing_keys (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  algorithm text NOT NULL DEFAULT 'Ed25519' CHECK (algorithm = 'Ed25519'),
  public_key text NOT NULL,            -- SPKI PEM, published for verification
  private_key_sealed bytea NOT NULL,   -- packBox(seal(kek, pkcs8 DER, aad = key id))
  kek_id text NOT NULL,
  kek_version text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A signed statement "chain X had hash H at seq N", every AUDIT_CHECKPOINT_INTERVAL events.
CREATE TABLE aventian_audit.audit_checkpoints (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid,
  seq bigint NOT NULL,
  event_id uuid NOT NULL,
  hash bytea NOT NULL,
  key_id uuid NOT NULL REFERENCES aventian_audit.audit_signing_keys (id),
  signature bytea NOT NULL,
  ts timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_audit_checkpoint_chain_seq
  ON aventian_audit.audit_checkpoints ((coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)), seq);

-- Where archived (then removed) events went. The matching `audit.archived` event in the chain
-- carries the same fields, so the pointer itself is covered by the hash chain.
CREATE TABLE aventian_audit.audit_archives (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid,
  from_seq bigint NOT NULL,
  to_seq bigint NOT NULL CHECK (to_seq >= from_seq),
  event_count bigint NOT NULL,
  last_hash bytea NOT NULL,            -- hash of event to_seq: the next remaining event's prev_hash
  object_key text NOT NULL,
  content_sha256 bytea NOT NULL,       -- of the plaintext NDJSON
  pointer_event_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_audit_archive_chain_to
  ON aventian_audit.audit_archives ((coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid)), to_seq);

-- Refuse UPDATE always and DELETE unless it comes from a purge function below (the trigger runs
-- as the function's owner then, and the function sets a transaction-local flag). Setting the flag
-- alone does not help the app role: current_user must also be the table owner.
CREATE OR REPLACE FUNCTION aventian_audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND coalesce(current_setting('aventian.audit_purge', true), '') = 'on'
     AND current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION USING ERRCODE = 'AV422', MESSAGE = 'AUDIT_APPEND_ONLY: ' || TG_TABLE_NAME || ' is append-only (' || TG_OP || ' refused)';
END $$;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['audit_events', 'audit_signing_keys', 'audit_checkpoints', 'audit_archives'] LOOP
    EXECUTE format('CREATE TRIGGER trg_append_only BEFORE UPDATE OR DELETE ON aventian_audit.%I FOR EACH ROW EXECUTE FUNCTION aventian_audit.refuse_change()', t);
    EXECUTE format('CREATE TRIGGER trg_append_only_truncate BEFORE TRUNCATE ON aventian_audit.%I FOR EACH STATEMENT EXECUTE FUNCTION aventian_audit.refuse_change()', t);
  END LOOP;
END $$;

-- Removes archived events of one chain: only rows up to an archive row's to_seq whose pointer
-- event exists in the chain, and only rows older than max(p_days, 1) days.
CREATE OR REPLACE FUNCTION aventian_audit.purge_archived_events(p_team_id uuid, p_to_seq bigint, p_days integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, aventian_audit AS $$
DECLARE
  chain uuid := coalesce(p_team_id, '00000000-0000-0000-0000-000000000000'::uuid);
  cutoff timestamptz := now() - make_interval(days => greatest(p_days, 1));
  n bigint;
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM aventian_audit.audit_archives a
      JOIN aventian_audit.audit_events p ON p.id = a.pointer_event_id AND p.action = 'audit.archived'
     WHERE coalesce(a.team_id, '00000000-0000-0000-0000-000000000000'::uuid) = chain AND a.to_seq = p_to_seq
  ) THEN
    RAISE EXCEPTION USING ERRCODE = 'AV422', MESSAGE = 'AUDIT_NOT_ARCHIVED: no archive pointer covers this range';
  END IF;
  IF EXISTS (
    SELECT 1 FROM aventian_audit.audit_events
     WHERE coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid) = chain AND seq <= p_to_seq AND ts >= cutoff
  ) THEN
    RAISE EXCEPTION USING ERRCODE = 'AV422', MESSAGE = 'AUDIT_TOO_RECENT: the range holds events inside the retention period';
  END IF;
  PERFORM set_config('aventian.audit_purge', 'on', true);
  DELETE FROM aventian_audit.audit_events
   WHERE coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid) = chain AND seq <= p_to_seq;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM set_config('aventian.audit_purge', '', true);
  RETURN n;
END $$;

-- Activity log retention (no trigger on it: it is not a chain, but the app role still has no DELETE).
CREATE OR REPLACE FUNCTION aventian_audit.purge_activity_log(p_days integer, p_batch integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, aventian_audit AS $$
DECLARE n bigint;
BEGIN
  DELETE FROM aventian_audit.activity_log
   WHERE id IN (SELECT id FROM aventian_audit.activity_log
                 WHERE ts < now() - make_interval(days => greatest(p_days, 1))
                 LIMIT greatest(p_batch, 1));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

REVOKE ALL ON FUNCTION aventian_audit.purge_archived_events(uuid, bigint, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION aventian_audit.purge_activity_log(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION aventian_audit.purge_archived_events(uuid, bigint, integer) TO ${APP_ROLE};
GRANT EXECUTE ON FUNCTION aventian_audit.purge_activity_log(integer, integer) TO ${APP_ROLE};

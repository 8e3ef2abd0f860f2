-- Foundation: schemas, the runtime role, id/timestamp helpers, RLS helpers, default grants.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE SCHEMA IF NOT EXISTS aventian;
CREATE SCHEMA IF NOT EXISTS aventian_audit;

-- The runtime role: not the owner of any table, so row-level security and the grants below apply.
-- Roles are cluster-wide; parallel test databases may race to create it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    BEGIN
      CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT %I TO %I', '${APP_ROLE}', current_user);
  END IF;
END $$;

GRANT USAGE ON SCHEMA aventian, aventian_audit TO ${APP_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA aventian GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA aventian GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE};
-- The audit schema is append-only for the application.
ALTER DEFAULT PRIVILEGES IN SCHEMA aventian_audit GRANT SELECT, INSERT ON TABLES TO ${APP_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA aventian_audit GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA aventian GRANT EXECUTE ON FUNCTIONS TO ${APP_ROLE};

-- UUIDv7 (PostgreSQL 15 has no uuidv7()): 48-bit unix ms timestamp, version 7, random rest.
-- The application generates ids with the `uuidv7` package; this default covers SQL-side inserts.
CREATE OR REPLACE FUNCTION aventian.uuidv7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

CREATE OR REPLACE FUNCTION aventian.set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Keep an explicit new value (imports, tests); otherwise stamp the time of the statement.
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := clock_timestamp();
  END IF;
  RETURN NEW;
END $$;

-- Row-level security reads the transaction's scope (set by DatabaseService.transaction).
CREATE OR REPLACE FUNCTION aventian.rls_team_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.team_id', true), '')::uuid $$;

CREATE OR REPLACE FUNCTION aventian.rls_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE OR REPLACE FUNCTION aventian.rls_is_platform() RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('app.scope', true), '') = 'platform' $$;

GRANT EXECUTE ON FUNCTION aventian.uuidv7(), aventian.rls_team_id(), aventian.rls_user_id(), aventian.rls_is_platform() TO ${APP_ROLE};

-- Key checks: per key-encryption key version, an HMAC-SHA256 of a constant under that KEK. An instance
-- whose KEK does not reproduce the stored MAC refuses to start (two instances with two keys would
-- otherwise each report ready and fail every decryption of the other's data). A check reveals
-- nothing about the key. Written once per version by the first instance (or rotation) that uses it.
CREATE TABLE aventian.kek_checks (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  kek_id text NOT NULL CHECK (length(kek_id) BETWEEN 1 AND 512),
  kek_version text NOT NULL CHECK (length(kek_version) BETWEEN 1 AND 64),
  mac bytea NOT NULL CHECK (length(mac) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kek_id, kek_version)
);
-- The runtime may add a check, never change or remove one.
REVOKE UPDATE, DELETE ON aventian.kek_checks FROM ${APP_ROLE};
COMMENT ON TABLE aventian.kek_checks IS 'crypto: per key-encryption key version, an HMAC of a constant under it; an instance whose KEK does not reproduce it refuses to start. Insert-only for the runtime.';

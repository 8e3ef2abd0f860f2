-- Product API keys: `avn_pk_<base64url(32 random bytes)>`. Only a SHA-256 of the whole key is kept;
-- `prefix` (the first characters of the key, unique) finds the row in one indexed lookup, the hash
-- is then compared in constant time. Not team-scoped: a key belongs to a master product.
CREATE TABLE aventian.api_keys (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  product_id uuid NOT NULL REFERENCES aventian.tbl_master_products (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  prefix text NOT NULL UNIQUE CHECK (prefix ~ '^avn_pk_[A-Za-z0-9_-]{8,32}$'),
  key_hash bytea NOT NULL CHECK (length(key_hash) = 32),
  last_used_at timestamptz,
  revoked_at timestamptz,
  created_by uuid REFERENCES aventian.tbl_users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_api_keys_product ON aventian.api_keys (product_id, created_at);

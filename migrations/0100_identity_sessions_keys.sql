-- Identity: JWT signing keys (private part sealed with a KEK), sessions and their rotating refresh tokens.

-- ES256 signing keys. The newest 'active' key signs; retired keys keep verifying until verify_until,
-- after which no token they signed can still be valid. The private key is AES-256-GCM sealed
-- (iv|tag|ciphertext) under the KEK named by kek_id/kek_version, with the kid as associated data.
CREATE TABLE aventian.signing_keys (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  kid text NOT NULL UNIQUE CHECK (length(kid) BETWEEN 8 AND 64),
  alg text NOT NULL DEFAULT 'ES256' CHECK (alg IN ('ES256')),
  public_jwk jsonb NOT NULL,
  private_key_sealed bytea NOT NULL,
  kek_id text NOT NULL,
  kek_version text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  retired_at timestamptz,
  verify_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'active') = (retired_at IS NULL))
);

-- A session is one sign-in (token family). Its id is the `sid` claim of every access token it yields.
CREATE TABLE aventian.sessions (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  user_id uuid NOT NULL REFERENCES aventian.tbl_users (id) ON DELETE CASCADE,
  active_team_id uuid REFERENCES aventian.tbl_teams (id) ON DELETE SET NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_at timestamptz,
  revoke_reason text CHECK (revoke_reason IS NULL OR length(revoke_reason) <= 64),
  expires_at timestamptz NOT NULL,
  last_refreshed_at timestamptz,
  ip text,
  user_agent text CHECK (user_agent IS NULL OR length(user_agent) <= 512),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_sessions_user_live ON aventian.sessions (user_id) WHERE status = 'active';
CREATE INDEX idx_sessions_expires ON aventian.sessions (expires_at);

-- Every refresh token ever issued for a session, by SHA-256 hash. Exactly one per session is
-- 'current'; presenting a 'rotated' one means it was stolen (or replayed): the session is revoked.
CREATE TABLE aventian.refresh_tokens (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  session_id uuid NOT NULL REFERENCES aventian.sessions (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  status text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'rotated')),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX uq_refresh_tokens_current ON aventian.refresh_tokens (session_id) WHERE status = 'current';

-- Admin listing filters on a prefix of the normalised e-mail.
CREATE INDEX idx_users_email_normalized_pattern ON aventian.tbl_users (email_normalized text_pattern_ops);

-- Mail outbox, team invitations and OpenID Connect identity links.

-- Outgoing mail, written in the transaction of the change that sends it and delivered by the
-- dispatcher. next_attempt_at doubles as the delivery lease: a dispatcher pushes it forward when it
-- claims a row, so a crashed instance's claimed rows become due again by themselves.
CREATE TABLE aventian.tbl_mail_outbox (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  to_address text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 320),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 998),
  body_text text NOT NULL,
  body_html text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_mail_outbox_due ON aventian.tbl_mail_outbox (next_attempt_at) WHERE status = 'pending';

-- Invitations to join a team. Only the SHA-256 of the token is stored.
CREATE TABLE aventian.tbl_invitations (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  team_id uuid NOT NULL REFERENCES aventian.tbl_teams (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (length(email) <= 320),
  email_normalized text NOT NULL CHECK (email_normalized = lower(email_normalized)),
  role_codes text[] NOT NULL DEFAULT '{}',
  token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
  expires_at timestamptz NOT NULL,
  invited_by uuid REFERENCES aventian.tbl_users (id) ON DELETE SET NULL,
  accepted_by uuid REFERENCES aventian.tbl_users (id) ON DELETE SET NULL,
  accepted_at timestamptz,
  revoked_by uuid REFERENCES aventian.tbl_users (id) ON DELETE SET NULL,
  revoked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_invitations_team ON aventian.tbl_invitations (team_id, id DESC);
-- At most one open invitation per e-mail and team (expired ones are closed before a new one is made).
CREATE UNIQUE INDEX uq_invitations_open ON aventian.tbl_invitations (team_id, email_normalized) WHERE status = 'pending';

ALTER TABLE aventian.tbl_invitations ENABLE ROW LEVEL SECURITY;
CREATE POLICY invitations_access ON aventian.tbl_invitations
  USING (aventian.rls_is_platform() OR team_id = aventian.rls_team_id())
  WITH CHECK (aventian.rls_is_platform() OR team_id = aventian.rls_team_id());

-- A user's account at an external OpenID Connect provider: (provider, subject) identifies it.
CREATE TABLE aventian.tbl_oauth_identities (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  provider text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  user_id uuid NOT NULL REFERENCES aventian.tbl_users (id) ON DELETE CASCADE,
  email text,
  last_login_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, subject),
  UNIQUE (user_id, provider)
);

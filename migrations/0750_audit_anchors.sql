-- Which signed checkpoints have been written to the object store (audit-anchors/...). Insert-only
-- like the rest of aventian_audit: a lost row only makes the anchor job re-check the object.
CREATE TABLE aventian_audit.audit_anchors (
  id uuid PRIMARY KEY DEFAULT aventian.uuidv7(),
  checkpoint_id uuid NOT NULL UNIQUE REFERENCES aventian_audit.audit_checkpoints (id),
  object_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER trg_append_only BEFORE UPDATE OR DELETE ON aventian_audit.audit_anchors
  FOR EACH ROW EXECUTE FUNCTION aventian_audit.refuse_change();
CREATE TRIGGER trg_append_only_truncate BEFORE TRUNCATE ON aventian_audit.audit_anchors
  FOR EACH STATEMENT EXECUTE FUNCTION aventian_audit.refuse_change();

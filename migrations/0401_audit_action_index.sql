-- avn:no-transaction
-- Admin queries and exports filtered by action across teams (e.g. every 'user.disabled'),
-- built without blocking writers on a large trail.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_action_ts ON aventian_audit.audit_events (action, ts DESC, id DESC);
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_activity_action_ts ON aventian_audit.activity_log (action, ts DESC, id DESC);

/**
 * Drops secret-bearing keys from audit data before it is hashed and stored: the trail is kept for
 * a year and exported, so a password or token that slipped into `data` must never reach it.
 * Matching is on the key name (case-insensitive, separators ignored), recursively.
 */
const SECRET_KEY_RE =
  /(password|passwd|secret|token|apikey|privatekey|connectionstring|connstr|credential|authorization|cookie|^key$|^.*key$)/;

/** Keys ending in "key" that are identifiers, not secrets. */
const ALLOWED_KEYS = new Set(['keyid', 'publickey', 'idempotencykey', 'productkeyid', 'objectkey', 'cachekey']);

export const REDACTED_MARKER = '[redacted]';

function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (ALLOWED_KEYS.has(normalized)) return false;
  return SECRET_KEY_RE.test(normalized);
}

export function redactAuditData(value: unknown, depth = 0): unknown {
  if (depth > 20) return REDACTED_MARKER; // pathological nesting: do not recurse forever
  if (Array.isArray(value)) return value.map((v) => redactAuditData(v, depth + 1));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isSecretKey(k)) continue; // dropped, not masked: even the length of a secret is not kept
    out[k] = redactAuditData(v, depth + 1);
  }
  return out;
}

/**
 * Redacts, then round-trips through JSON so the object hashed is exactly what jsonb stores and
 * returns (Dates become strings, undefined disappears, class instances become plain objects).
 */
export function normalizeAuditData(data: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!data) return {};
  const plain = JSON.parse(JSON.stringify(redactAuditData(data)) ?? '{}') as unknown;
  return plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>) : {};
}

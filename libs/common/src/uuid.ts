const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Any RFC 4122 layout, either case (path and query ids are checked with it before they reach SQL). */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID_RE.test(value);

import { decodeCursor, Errors, isUuid } from '@avn/common';

/** Keyset cursor holding one uuid under `key`; a forged cursor is a 400, never a database error. */
export function uuidCursor(cursor: string | undefined, key: string): string | undefined {
  const decoded = decodeCursor<Record<string, string>>(cursor, [key]);
  if (decoded === undefined) return undefined;
  const value = decoded[key];
  if (!isUuid(value)) throw Errors.validation('Invalid cursor', [{ field: 'cursor', message: 'cursor is not valid' }]);
  return value.toLowerCase();
}

export type UserStatus = 'active' | 'disabled';

/** A user as other modules see it (never the password hash). */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  locale: string;
  status: UserStatus;
  createdAt: Date;
}

/** Row shape inside identity, including the credential. */
export interface UserRow {
  id: string;
  email: string;
  display_name: string;
  locale: string;
  status: UserStatus;
  password_hash: string | null;
  created_at: Date;
}

export function toUserRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    locale: row.locale,
    status: row.status,
    createdAt: new Date(row.created_at),
  };
}

/** The one normalisation of e-mail addresses (uniqueness, lookups, lockout keys). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

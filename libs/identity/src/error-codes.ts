import type { ErrorCodeCatalogue } from '@avn/common';

/** Error codes of users, credentials and sessions. */
export const IDENTITY_ERROR_CODES = {
  EMAIL_TAKEN: { status: 409, description: 'An account with this e-mail address (compared case-insensitively) exists.' },
  CANNOT_DISABLE_SELF: { status: 422, description: 'A platform admin cannot disable their own account.' },
} satisfies ErrorCodeCatalogue;

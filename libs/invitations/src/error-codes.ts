import type { ErrorCodeCatalogue } from '@avn/common';

/** Error codes of team invitations. */
export const INVITATIONS_ERROR_CODES = {
  ALREADY_MEMBER: { status: 409, description: 'The address belongs to a member of the team already.' },
  INVITATION_PENDING: { status: 409, description: 'An open invitation for this address exists; revoke it first.' },
  ACCOUNT_EXISTS: { status: 409, description: 'The invited address has an account: sign in to accept.' },
  INVITATION_EMAIL_MISMATCH: {
    status: 403,
    description: 'The invitation was sent to a different e-mail address than the signed-in account.',
  },
  INVITATION_USED: { status: 422, description: 'The invitation was already accepted.' },
  INVITATION_REVOKED: { status: 422, description: 'The invitation was revoked.' },
  INVITATION_EXPIRED: { status: 422, description: 'The invitation has expired.' },
} satisfies ErrorCodeCatalogue;

import type { ErrorCodeCatalogue } from '@avn/common';

/** Error codes of teams, memberships and roles. */
export const RBAC_ERROR_CODES = {
  LAST_OWNER: { status: 422, description: 'The change would leave the team without a team_owner.' },
  ROLE_EXISTS: { status: 409, description: 'The team already has a role with this code.' },
  ROLE_CODE_RESERVED: { status: 409, description: 'The code is a system role (team_owner, platform_admin).' },
  ROLE_NOT_EDITABLE: { status: 422, description: 'System roles and roles made from product templates cannot be edited.' },
  UNKNOWN_ROLE: {
    status: 422,
    description: 'A role code is not a role of this team (`details` names them); also raised by the database for a role of another team.',
    raisedBy: 'database',
  },
  UNKNOWN_PRIVILEGE: { status: 422, description: 'A privilege code is unknown to this team or product (`details` names them).' },
} satisfies ErrorCodeCatalogue;

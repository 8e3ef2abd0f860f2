import type { ErrorCodeCatalogue } from '@avn/common';

/** Error codes of the audit trail (raised by its database functions; seen by jobs and the CLI). */
export const AUDIT_ERROR_CODES = {
  AUDIT_APPEND_ONLY: { status: 422, description: 'Audit tables are append-only: updates and deletes are refused.', raisedBy: 'database' },
  AUDIT_NOT_ARCHIVED: {
    status: 422,
    description: 'Audit events are removed only after an archive pointer covers them.',
    raisedBy: 'database',
  },
  AUDIT_TOO_RECENT: { status: 422, description: 'Audit events inside the retention period are never removed.', raisedBy: 'database' },
} satisfies ErrorCodeCatalogue;

import type { ErrorCodeCatalogue } from '@avn/common';

/** Error codes of sign-in through OpenID Connect providers. */
export const SSO_ERROR_CODES = {
  OIDC_STATE_INVALID: { status: 400, description: 'Unknown, expired or already used sign-in state in the provider callback.' },
  SSO_FAILED: { status: 401, description: 'The provider refused or the code exchange failed.' },
  SSO_EMAIL_MISSING: { status: 403, description: 'The provider returned no e-mail address.' },
  SSO_EMAIL_UNVERIFIED: { status: 403, description: 'The provider has not verified the e-mail address.' },
  SSO_SIGNUP_DISABLED: { status: 403, description: 'No account has this address and the provider may not create accounts.' },
} satisfies ErrorCodeCatalogue;

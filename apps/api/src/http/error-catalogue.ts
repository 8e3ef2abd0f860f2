import { AUDIT_ERROR_CODES } from '@avn/audit';
import { COMMON_ERROR_CODES } from '@avn/common';
import type { ErrorCodeCatalogue, ErrorCodeInfo } from '@avn/common';
import { IDENTITY_ERROR_CODES } from '@avn/identity';
import { INVITATIONS_ERROR_CODES } from '@avn/invitations';
import { PRODUCTS_ERROR_CODES } from '@avn/products';
import { RBAC_ERROR_CODES } from '@avn/rbac';
import { SSO_ERROR_CODES } from '@avn/sso';

/** Every library's error codes (each code has one owner); the API reference lists them from here. */
export const ERROR_CATALOGUES: ReadonlyArray<{ library: string; codes: ErrorCodeCatalogue }> = [
  { library: 'common', codes: COMMON_ERROR_CODES },
  { library: 'identity', codes: IDENTITY_ERROR_CODES },
  { library: 'rbac', codes: RBAC_ERROR_CODES },
  { library: 'products', codes: PRODUCTS_ERROR_CODES },
  { library: 'invitations', codes: INVITATIONS_ERROR_CODES },
  { library: 'sso', codes: SSO_ERROR_CODES },
  { library: 'audit', codes: AUDIT_ERROR_CODES },
];

export interface CataloguedCode extends ErrorCodeInfo {
  code: string;
  library: string;
}

/** All codes, in catalogue order. */
export function allErrorCodes(): CataloguedCode[] {
  return ERROR_CATALOGUES.flatMap(({ library, codes }) => Object.entries(codes).map(([code, info]) => ({ code, library, ...info })));
}

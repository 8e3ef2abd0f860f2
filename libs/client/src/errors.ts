/** An error answer of the control plane (status and the contract's `error` code). */
export class AventianApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'AventianApiError';
  }
}

/** Why a request was refused by the guard / middleware (401 or 403). */
export class AccessDeniedError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
    this.name = 'AccessDeniedError';
  }
}

import type { AventianAuthorizer } from './authorizer';
import { AccessDeniedError } from './errors';
import type { AuthorizedUser } from './types';

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  aventian?: AuthorizedUser;
}

interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  send(body: unknown): unknown;
}

const denial = (error: AccessDeniedError) => ({ statusCode: error.status, error: error.code, message: error.message });

/**
 * Connect-style middleware `(req, res, next)`: Express, or Fastify through @fastify/middie.
 * Sets `req.aventian` (the AuthorizedUser) or answers 401/403 itself.
 */
export function requirePrivilege(authorizer: AventianAuthorizer, privilege?: string) {
  return (req: RequestLike, res: NodeResponseLike, next: (error?: unknown) => void): void => {
    authorizer.authorize(req.headers.authorization, privilege).then(
      (user) => {
        req.aventian = user;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof AccessDeniedError)) return next(error);
        res.statusCode = error.status;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(denial(error)));
      },
    );
  };
}

/** Fastify `preHandler` hook: `fastify.get('/orders', { preHandler: requirePrivilegeHook(auth, 'orders:read') }, handler)`. */
export function requirePrivilegeHook(authorizer: AventianAuthorizer, privilege?: string) {
  return async (request: RequestLike, reply: FastifyReplyLike): Promise<void> => {
    try {
      request.aventian = await authorizer.authorize(request.headers.authorization, privilege);
    } catch (error) {
      if (!(error instanceof AccessDeniedError)) throw error;
      await reply.code(error.status).send(denial(error));
    }
  };
}

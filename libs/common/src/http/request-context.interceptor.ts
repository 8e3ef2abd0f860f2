import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { AuthPrincipal } from '../auth/auth-principal';
import { RequestContext } from '../request-context';

interface RequestLike {
  id?: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  auth?: AuthPrincipal;
}

/** Runs the handler inside a RequestContext (request id, client ip, principal) for audit writes. */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<RequestLike>();
    const ua = request.headers['user-agent'];
    const data = {
      requestId: String(request.id ?? ''),
      ip: request.ip,
      userAgent: Array.isArray(ua) ? ua[0] : ua,
      auth: request.auth,
    };
    return new Observable((subscriber) => RequestContext.run(data, () => next.handle().subscribe(subscriber)));
  }
}

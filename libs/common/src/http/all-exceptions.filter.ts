import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { mapError } from './error-body';

interface ReplyLike {
  sent?: boolean;
  status(code: number): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(body: unknown): void;
}

/** The single place where errors become HTTP responses (contract shape, request id, no internals). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<{ id?: string; method?: string; url?: string }>();
    const reply = http.getResponse<ReplyLike>();
    const requestId = String(request.id ?? 'unknown');
    const mapped = mapError(exception, requestId);
    if (mapped.unexpected) {
      // Logged once, here; the response carries only the request id to correlate.
      this.logger.error({ err: exception, requestId, method: request.method }, 'unhandled error');
    }
    if (reply.sent) return;
    reply.status(mapped.body.statusCode);
    for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
    reply.header('content-type', 'application/json; charset=utf-8');
    reply.send(mapped.body);
  }
}

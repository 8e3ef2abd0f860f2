import type { FastifyInstance } from 'fastify';
import { RequestContext, RequestContextData } from '@avn/common';

/**
 * Opens each request's RequestContext at `onRequest`, so the rest of the request (guard, handler,
 * services, audit writes) runs in it; body parsing continues from stream events outside that
 * context, so `preValidation` enters it again.
 */
export function installRequestContext(fastify: FastifyInstance): void {
  const contexts = new WeakMap<object, RequestContextData>();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const ua = request.headers['user-agent'];
    const context: RequestContextData = { requestId: request.id, ip: request.ip, userAgent: Array.isArray(ua) ? ua[0] : ua };
    contexts.set(request, context);
    RequestContext.run(context, done);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const context = contexts.get(request);
    if (context) RequestContext.run(context, done);
    else done();
  });
}

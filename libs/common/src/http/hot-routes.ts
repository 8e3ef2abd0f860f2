import type { FastifyReply, FastifyRequest } from 'fastify';

export type HotRouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/**
 * Routes served outside the Nest pipeline, for calls made on every request of another system
 * (GetUserDetails). The API provides it (apps/api HotRouteLane: the same port, a lean Fastify
 * instance without the Nest middleware engine, router constraints and hooks); it is absent where
 * there is no HTTP server (CLI). A handler does its own authentication and validation.
 */
export abstract class HotRoutes {
  /**
   * Serves GET (and HEAD) `path` (Fastify syntax). `ownsUrl` is a cheap, exact test of the raw
   * request URL deciding which requests go to this route instead of Nest; a URL it accepts must
   * match `path`.
   */
  abstract get(path: string, ownsUrl: (url: string) => boolean, handler: HotRouteHandler): void;
}

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Injectable, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DomainError, mapError, isUuid } from '@avn/common';
import { UserDetailsService } from './user-details.service';

/** Finds `proto/aventian/v1/user_directory.proto` whether we run from source, dist or a test. */
export function userDirectoryProtoPath(start = __dirname): string {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, 'proto', 'aventian', 'v1', 'user_directory.proto');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('proto/aventian/v1/user_directory.proto not found');
    dir = parent;
  }
}

/** Loader options shared by the server and clients: camelCase fields, so messages match the REST JSON. */
export const USER_DIRECTORY_PROTO_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

interface GetUserDetailsRequest {
  userId?: string;
  teamId?: string;
}

const STATUS_BY_HTTP: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  429: grpc.status.RESOURCE_EXHAUSTED,
  503: grpc.status.UNAVAILABLE,
};

/**
 * `aventian.v1.UserDirectory` served by the API process on its own port (GRPC_PORT; 0 = ephemeral).
 * Started when the HTTP server listens and stopped when the app closes (see create-app.ts), so CLI
 * contexts never open it. Same service and product-key verifier as REST.
 */
@Injectable()
export class UserDirectoryGrpcServer {
  private readonly logger = new Logger(UserDirectoryGrpcServer.name);
  private server?: grpc.Server;
  private boundPort?: number;
  private starting?: Promise<number>;

  constructor(private readonly details: UserDetailsService) {}

  /** The bound port once started. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** Resolves with the bound port once `start` has bound it (the HTTP listen does not wait for it). */
  async whenListening(): Promise<number> {
    for (let i = 0; !this.starting && i < 100; i++) await new Promise((r) => setTimeout(r, 10));
    if (!this.starting) throw new Error('gRPC server not started');
    return this.starting;
  }

  start(port: number, host: string): Promise<number> {
    this.starting ??= this.bind(port, host);
    return this.starting;
  }

  private async bind(port: number, host: string): Promise<number> {
    const definition = protoLoader.loadSync(userDirectoryProtoPath(), USER_DIRECTORY_PROTO_OPTIONS);
    const pkg = grpc.loadPackageDefinition(definition) as unknown as {
      aventian: { v1: { UserDirectory: grpc.ServiceClientConstructor } };
    };
    const server = new grpc.Server();
    server.addService(pkg.aventian.v1.UserDirectory.service, {
      GetUserDetails: (call: grpc.ServerUnaryCall<GetUserDetailsRequest, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        this.getUserDetails(call).then(
          (response) => callback(null, response),
          (error: unknown) => callback(this.toServiceError(error)),
        );
      },
    });
    this.boundPort = await new Promise<number>((ok, fail) =>
      server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : ok(bound))),
    );
    this.server = server;
    this.logger.log(`gRPC UserDirectory listening on ${host}:${this.boundPort}`);
    return this.boundPort;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const server = this.server;
    this.starting = undefined;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((done) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        done();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(force);
        done();
      });
    });
  }

  private async getUserDetails(call: grpc.ServerUnaryCall<GetUserDetailsRequest, unknown>) {
    const header = call.metadata.get('authorization')[0];
    const key = typeof header === 'string' ? /^Bearer\s+(avn_pk_\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (!key) throw new DomainError(401, 'UNAUTHENTICATED', 'A product key is required (authorization: Bearer avn_pk_...)');
    const userId = call.request.userId ?? '';
    const teamId = call.request.teamId || undefined;
    if (!isUuid(userId)) throw new DomainError(400, 'VALIDATION_FAILED', 'user_id must be a UUID');
    if (teamId !== undefined && !isUuid(teamId)) throw new DomainError(400, 'VALIDATION_FAILED', 'team_id must be a UUID');
    // Same key check as REST (remembered verification, re-checked against revocations with the answer).
    return this.details.getForKey(key, userId.toLowerCase(), teamId?.toLowerCase());
  }

  /** Same mapping as the REST exception filter (DomainError, database errors...), as gRPC status codes. */
  private toServiceError(error: unknown): Partial<grpc.ServiceError> {
    const mapped = mapError(error, '');
    if (mapped.unexpected) {
      this.logger.error(`GetUserDetails failed: ${error instanceof Error ? error.stack : String(error)}`);
      return { code: grpc.status.INTERNAL, details: 'Internal error' };
    }
    const { statusCode, error: code, message } = mapped.body;
    return { code: STATUS_BY_HTTP[statusCode] ?? grpc.status.UNKNOWN, details: message, metadata: errorMetadata(code) };
  }
}

function errorMetadata(code: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('error-code', code);
  return metadata;
}

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { dirname, join } from 'node:path';

/**
 * A real gRPC server on 127.0.0.1 implementing the parts of google.cloud.secretmanager.v1
 * .SecretManagerService the control plane uses (AccessSecretVersion, AddSecretVersion,
 * GetSecretVersion), loaded from the .proto files shipped with @google-cloud/secret-manager, so the
 * real client library talks to it over the wire. Secrets live in memory.
 */
export interface FakeSecretManager {
  endpoint: string;
  /** Every RPC received, in order (method + resource name), to assert the client really called. */
  calls: Array<{ method: string; name: string }>;
  addVersion(secret: string, data: Buffer): string;
  close(): Promise<void>;
}

export async function startFakeSecretManager(): Promise<FakeSecretManager> {
  const smRoot = dirname(require.resolve('@google-cloud/secret-manager/package.json'));
  // google/api, google/iam and google/protobuf imports ship with the client's google-gax.
  const gaxMain = require.resolve('google-gax', { paths: [smRoot] });
  const gaxRoot = gaxMain.slice(0, gaxMain.lastIndexOf('google-gax') + 'google-gax'.length);
  const definition = protoLoader.loadSync('google/cloud/secretmanager/v1/service.proto', {
    includeDirs: [join(smRoot, 'build/protos'), join(gaxRoot, 'build/protos')],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    google: { cloud: { secretmanager: { v1: { SecretManagerService: grpc.ServiceClientConstructor } } } };
  };
  const service = pkg.google.cloud.secretmanager.v1.SecretManagerService.service;

  const secrets = new Map<string, Buffer[]>(); // secret -> versions (index + 1 = version number)
  const calls: FakeSecretManager['calls'] = [];

  const addVersion = (secret: string, data: Buffer): string => {
    const versions = secrets.get(secret) ?? [];
    versions.push(Buffer.from(data));
    secrets.set(secret, versions);
    return `${secret}/versions/${versions.length}`;
  };

  const resolve = (name: string): { secret: string; version: number; data: Buffer } | undefined => {
    const m = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!m) return undefined;
    const versions = secrets.get(m[1]);
    if (!versions?.length) return undefined;
    const version = m[2] === 'latest' ? versions.length : Number(m[2]);
    const data = versions[version - 1];
    return data ? { secret: m[1], version, data } : undefined;
  };

  const notFound = (name: string) => ({ code: grpc.status.NOT_FOUND, details: `Secret [${name}] not found or has no versions.` });

  const server = new grpc.Server();
  server.addService(service, {
    AccessSecretVersion: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      calls.push({ method: 'AccessSecretVersion', name: call.request.name });
      const found = resolve(call.request.name);
      if (!found) return cb(notFound(call.request.name));
      cb(null, { name: `${found.secret}/versions/${found.version}`, payload: { data: found.data } });
    },
    GetSecretVersion: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      calls.push({ method: 'GetSecretVersion', name: call.request.name });
      const found = resolve(call.request.name);
      if (!found) return cb(notFound(call.request.name));
      cb(null, { name: `${found.secret}/versions/${found.version}`, state: 'ENABLED' });
    },
    AddSecretVersion: (
      call: grpc.ServerUnaryCall<{ parent: string; payload?: { data?: Buffer } }, unknown>,
      cb: grpc.sendUnaryData<unknown>,
    ) => {
      calls.push({ method: 'AddSecretVersion', name: call.request.parent });
      if (!secrets.has(call.request.parent)) return cb(notFound(call.request.parent));
      const data = call.request.payload?.data;
      if (!data?.length) return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'payload required' });
      cb(null, { name: addVersion(call.request.parent, Buffer.from(data)), state: 'ENABLED' });
    },
  });

  const port = await new Promise<number>((resolvePort, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolvePort(p))),
  );
  return {
    endpoint: `127.0.0.1:${port}`,
    calls,
    addVersion,
    close: () => new Promise<void>((done) => server.tryShutdown(() => done())),
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Conditional writes refused with 412 (the store's immutability guard at work). */
  preconditionFailures: number;
  close(): Promise<void>;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/**
 * s3rver (an S3 API server, in-process, files on disk) with one bucket, signature checks on.
 * s3rver predates S3's conditional writes (2024) and ignores `If-None-Match: *` on PutObject and
 * CompleteMultipartUpload; a middleware in front of its routes adds exactly what S3 documents: the
 * write fails with 412 PreconditionFailed when the key exists or another conditional write of it is
 * in flight.
 */
export async function startTestS3(bucket = 'avn-test'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'avn-s3rver-'));
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const state = { preconditionFailures: 0 };
  const inFlight = new Set<string>();
  const conditional: Middleware = async (ctx, next) => {
    const [, b, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const isWrite =
      (ctx.method === 'PUT' && !('partNumber' in ctx.query) && !ctx.headers['x-amz-copy-source']) ||
      (ctx.method === 'POST' && 'uploadId' in ctx.query);
    if (!isWrite || ctx.headers['if-none-match'] !== '*' || !key) return next();
    const id = `${b}/${key}`;
    const refuse = () => {
      state.preconditionFailures++;
      ctx.status = 412;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>`;
    };
    // Claim the key synchronously (no await between the check and the claim).
    if (inFlight.has(id)) return refuse();
    inFlight.add(id);
    try {
      if (await server.store.existsObject(b, key)) return refuse();
      await next();
    } finally {
      inFlight.delete(id);
    }
  };
  (server as unknown as { middleware: Middleware[] }).middleware.unshift(conditional);
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    credentials,
    get preconditionFailures() {
      return state.preconditionFailures;
    },
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

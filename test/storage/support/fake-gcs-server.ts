import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Crc32c } from './crc32c';

interface StoredGcsObject {
  bucket: string;
  name: string;
  generation: number;
  size: number;
  md5: string;
  crc32c: string;
  path: string;
  updated: Date;
}

interface UploadSession {
  bucket: string;
  name: string;
  ifGenerationMatch?: number;
  path: string;
  file: WriteStream;
  received: number;
  md5: ReturnType<typeof createHash>;
  crc: Crc32c;
  busy: boolean;
}

export interface FakeGcs {
  /** For STORAGE_EMULATOR_HOST. */
  url: string;
  /** Every request: method, path and the query parameters that matter to tests. */
  requests: { method: string; path: string; uploadType?: string; ifGenerationMatch?: string }[];
  objectCount(bucket: string): number;
  close(): Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]) => Promise<void>;

/**
 * A Google Cloud Storage JSON API server on 127.0.0.1 for the real @google-cloud/storage client:
 * resumable uploads (chunks, 308 with Range, `ifGenerationMatch` checked at start and at
 * finalisation), multipart uploads, object metadata, media download with x-goog-hash, paginated
 * listing and delete. Bodies stream to and from temporary files; nothing is held in memory.
 */
export async function startFakeGcs(buckets: string[]): Promise<FakeGcs> {
  const dir = mkdtempSync(join(tmpdir(), 'avn-fake-gcs-'));
  const objects = new Map<string, StoredGcsObject>();
  const uploads = new Map<string, UploadSession>();
  const requests: FakeGcs['requests'] = [];
  let generation = 1_700_000_000_000_000;
  let base = '';

  const id = (bucket: string, name: string) => `${bucket}\u0000${name}`;
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, reason: string, message: string) =>
    json(res, status, { error: { code: status, message, errors: [{ reason, message }] } });
  const resource = (o: StoredGcsObject) => ({
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    name: o.name,
    bucket: o.bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: 'application/octet-stream',
    size: String(o.size),
    md5Hash: o.md5,
    crc32c: o.crc32c,
    storageClass: 'STANDARD',
    timeCreated: o.updated.toISOString(),
    updated: o.updated.toISOString(),
  });
  /** 412 unless the precondition holds now (0 = no live generation). */
  const preconditionFails = (bucket: string, name: string, ifGenerationMatch?: number) => {
    if (ifGenerationMatch === undefined) return false;
    const live = objects.get(id(bucket, name));
    return ifGenerationMatch === 0 ? live !== undefined : live?.generation !== ifGenerationMatch;
  };
  /** Publishes a finished upload; single-threaded, so check-and-set is atomic. */
  const publish = async (s: Omit<UploadSession, 'file' | 'busy'>, res: ServerResponse) => {
    if (preconditionFails(s.bucket, s.name, s.ifGenerationMatch)) {
      await rm(s.path, { force: true });
      return error(res, 412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    }
    const o: StoredGcsObject = {
      bucket: s.bucket,
      name: s.name,
      generation: ++generation,
      size: s.received,
      md5: s.md5.digest('base64'),
      crc32c: s.crc.base64(),
      path: s.path,
      updated: new Date(),
    };
    const previous = objects.get(id(s.bucket, s.name));
    objects.set(id(s.bucket, s.name), o);
    if (previous) await rm(previous.path, { force: true });
    json(res, 200, resource(o));
  };

  const startUpload: Route = async (req, res, url, [bucket]) => {
    const body = await readAll(req);
    const name = url.searchParams.get('name') ?? (JSON.parse(body.toString('utf8') || '{}') as { name?: string }).name;
    if (!buckets.includes(bucket)) return error(res, 404, 'notFound', `The specified bucket does not exist.`);
    if (!name) return error(res, 400, 'required', 'Required parameter: name');
    const igm = url.searchParams.get('ifGenerationMatch');
    const ifGenerationMatch = igm === null ? undefined : Number(igm);
    if (preconditionFails(bucket, name, ifGenerationMatch))
      return error(res, 412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    if (url.searchParams.get('uploadType') === 'multipart') return multipart(req, res, bucket, name, ifGenerationMatch, body);
    const uploadId = randomBytes(12).toString('hex');
    const path = join(dir, `upload-${uploadId}`);
    uploads.set(uploadId, {
      bucket,
      name,
      ifGenerationMatch,
      path,
      file: createWriteStream(path),
      received: 0,
      md5: createHash('md5'),
      crc: new Crc32c(),
      busy: false,
    });
    const location = `${base}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${uploadId}`;
    res.writeHead(200, { location, 'content-length': '0' });
    res.end();
  };

  const multipart = async (
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    name: string,
    ifGenerationMatch: number | undefined,
    body: Buffer,
  ) => {
    const boundary = /boundary="?([^";]+)"?/.exec(req.headers['content-type'] ?? '')?.[1];
    if (!boundary) return error(res, 400, 'invalid', 'multipart upload without a boundary');
    const parts = body
      .toString('latin1')
      .split(`--${boundary}`)
      .slice(1, -1)
      .map((p) => Buffer.from(p.slice(p.indexOf('\r\n\r\n') + 4, -2), 'latin1'));
    const data = parts[1] ?? Buffer.alloc(0);
    const path = join(dir, `upload-${randomBytes(12).toString('hex')}`);
    await new Promise<void>((resolve, reject) => createWriteStream(path).on('error', reject).end(data, resolve));
    await publish(
      { bucket, name, ifGenerationMatch, path, received: data.length, md5: createHash('md5').update(data), crc: new Crc32c().update(data) },
      res,
    );
  };

  const uploadChunk: Route = async (req, res, url) => {
    const session = uploads.get(url.searchParams.get('upload_id') ?? '');
    if (!session) return error(res, 404, 'notFound', 'No such upload session.');
    const range = /^bytes (\*|(\d+)-(-?\d+|\*))\/(\d+|\*)$/.exec(req.headers['content-range'] ?? 'bytes */*');
    if (!range || session.busy) return error(res, 400, 'invalid', 'bad Content-Range');
    const total = range[4] === '*' ? undefined : Number(range[4]);
    if (range[1] !== '*') {
      if (Number(range[2]) !== session.received) {
        await readAll(req); // a resend of bytes already stored: ignore them
      } else {
        session.busy = true;
        for await (const chunk of req as AsyncIterable<Buffer>) {
          session.received += chunk.length;
          session.md5.update(chunk);
          session.crc.update(chunk);
          if (!session.file.write(chunk)) await new Promise<void>((r) => session.file.once('drain', () => r()));
        }
        session.busy = false;
      }
    } else {
      await readAll(req);
    }
    const finished = total !== undefined ? session.received === total : range[3] === '*';
    if (!finished) {
      res.writeHead(308, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {});
      return void res.end();
    }
    uploads.delete(url.searchParams.get('upload_id')!);
    await new Promise<void>((resolve) => session.file.end(resolve));
    // The client sends the whole object's checksum with the last chunk: check it as GCS does.
    const sent = /crc32c=([^,\s]+)/.exec(String(req.headers['x-goog-hash'] ?? ''))?.[1];
    if (sent && sent !== session.crc.base64()) {
      await rm(session.path, { force: true });
      return error(res, 400, 'invalid', 'Provided CRC32C does not match the uploaded data.');
    }
    await publish(session, res);
  };

  const objectRoute: Route = async (req, res, url, [bucket, ...nameParts]) => {
    if (!buckets.includes(bucket)) return error(res, 404, 'notFound', 'The specified bucket does not exist.');
    if (nameParts.length === 0) return list(res, url, bucket);
    const name = decodeURIComponent(nameParts.join('/'));
    const o = objects.get(id(bucket, name));
    const wanted = url.searchParams.get('generation');
    if (!o || (wanted && Number(wanted) !== o.generation)) return error(res, 404, 'notFound', `No such object: ${bucket}/${name}`);
    if (req.method === 'DELETE') {
      objects.delete(id(bucket, name));
      await rm(o.path, { force: true });
      res.writeHead(204);
      return void res.end();
    }
    if (url.searchParams.get('alt') !== 'media') return json(res, 200, resource(o));
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(o.size),
      'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5}`,
      'x-goog-generation': String(o.generation),
      'x-goog-stored-content-encoding': 'identity',
    });
    createReadStream(o.path).pipe(res);
  };

  const list = (res: ServerResponse, url: URL, bucket: string) => {
    const prefix = url.searchParams.get('prefix') ?? '';
    const max = Math.min(Number(url.searchParams.get('maxResults') ?? 1000) || 1000, 1000);
    const after = url.searchParams.get('pageToken') ? Buffer.from(url.searchParams.get('pageToken')!, 'base64url').toString() : '';
    const names = [...objects.values()]
      .filter((o) => o.bucket === bucket && o.name.startsWith(prefix) && o.name > after)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = names.slice(0, max);
    json(res, 200, {
      kind: 'storage#objects',
      items: page.map(resource),
      ...(names.length > max ? { nextPageToken: Buffer.from(page[page.length - 1].name).toString('base64url') } : {}),
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      uploadType: url.searchParams.get('uploadType') ?? undefined,
      ifGenerationMatch: url.searchParams.get('ifGenerationMatch') ?? undefined,
    });
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    const api = /^(?:\/download)?(?:\/storage\/v1)?\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    let route: Promise<void> | undefined;
    if (upload && req.method === 'POST') route = startUpload(req, res, url, [upload[1]]);
    else if (upload && req.method === 'PUT') route = uploadChunk(req, res, url, [upload[1]]);
    else if (api && (req.method === 'GET' || req.method === 'DELETE'))
      route = objectRoute(req, res, url, [api[1], ...(api[2] ? [api[2]] : [])]);
    if (!route) return error(res, 404, 'notFound', `no route ${req.method} ${url.pathname}`);
    route.catch((e: unknown) => {
      if (!res.headersSent) error(res, 500, 'backendError', (e as Error).message);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    objectCount: (bucket) => [...objects.values()].filter((o) => o.bucket === bucket).length,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const s of uploads.values()) s.file.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts);
}

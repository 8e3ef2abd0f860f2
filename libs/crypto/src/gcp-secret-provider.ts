import { credentials } from '@grpc/grpc-js';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { randomBytes } from 'node:crypto';
import { Kek, SecretProvider } from './secret-provider';

export interface GcpSecretProviderOptions {
  /** projects/<project>/secrets/<name>: each secret version holds one KEK (base64 of 32 bytes). */
  secret: string;
  /** Version used for new wrapping: 'latest' (follows rotation) or a pinned number. */
  version: string;
  /** host:port of a Secret Manager endpoint without TLS (emulator, tests, private proxy). */
  endpoint?: string;
  /** How long the resolved current version is trusted before asking again (ms). */
  currentTtlMs?: number;
}

type Client = InstanceType<typeof SecretManagerServiceClient>;

/** Client options for an explicit plaintext endpoint; universeDomain keeps the client off the metadata server. */
export function secretManagerClientOptions(endpoint?: string): ConstructorParameters<typeof SecretManagerServiceClient>[0] {
  if (!endpoint) return {};
  const at = endpoint.lastIndexOf(':');
  return {
    apiEndpoint: endpoint.slice(0, at),
    port: Number(endpoint.slice(at + 1)),
    sslCreds: credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  };
}

/**
 * KEKs in Google Secret Manager. Versions are immutable, so a fetched version is cached for the
 * life of the process; the meaning of 'latest' is re-resolved every `currentTtlMs`. Rotation adds a
 * secret version (the previous ones stay enabled and keep decrypting until everything is re-wrapped).
 */
export class GcpSecretProvider extends SecretProvider {
  readonly name = 'gcp' as const;
  private readonly client: Client;
  private readonly versions = new Map<string, Promise<Kek>>();
  private current?: { kek: Kek; at: number };

  constructor(
    private readonly options: GcpSecretProviderOptions,
    client?: Client,
  ) {
    super();
    this.client = client ?? new SecretManagerServiceClient(secretManagerClientOptions(options.endpoint));
  }

  describe(): string {
    return `Secret Manager secret ${this.options.secret} (version ${this.options.version})`;
  }

  async currentKek(): Promise<Kek> {
    const ttl = this.options.currentTtlMs ?? 60_000;
    if (this.current && Date.now() - this.current.at < ttl) return this.current.kek;
    const kek = await this.fetch(`${this.options.secret}/versions/${this.options.version}`);
    this.current = { kek, at: Date.now() };
    return kek;
  }

  async kek(id: string, version: string): Promise<Kek> {
    if (id !== this.options.secret) throw new Error(`unknown key ${id}`);
    if (!/^\d+$/.test(version)) throw new Error(`bad key version ${version}`);
    const name = `${id}/versions/${version}`;
    let pending = this.versions.get(name);
    if (!pending) {
      pending = this.fetch(name);
      this.versions.set(name, pending);
      pending.catch(() => this.versions.delete(name)); // a transient failure is not cached
    }
    return pending;
  }

  async rotate(): Promise<Kek> {
    const [created] = await this.client.addSecretVersion({
      parent: this.options.secret,
      payload: { data: Buffer.from(randomBytes(32).toString('base64'), 'utf8') },
    });
    const kek = await this.fetch(created.name!);
    this.current = { kek, at: Date.now() };
    return kek;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Nest lifecycle hook: the gRPC channel must not keep the process alive after shutdown. */
  async onApplicationShutdown(): Promise<void> {
    await this.close().catch(() => undefined);
  }

  private async fetch(name: string): Promise<Kek> {
    const [response] = await this.client.accessSecretVersion({ name });
    // The response names the concrete version even when 'latest' was asked for. Its project part
    // may be the project NUMBER, so the KEK id stays the configured secret name (stable across restarts).
    const version = /\/versions\/(\d+)$/.exec(response.name ?? '')?.[1];
    if (!version) throw new Error('Secret Manager answered an unexpected version name');
    const kek: Kek = { id: this.options.secret, version, key: decodeKek(response.payload?.data) };
    this.versions.set(`${this.options.secret}/versions/${version}`, Promise.resolve(kek));
    return kek;
  }
}

/** Accepts the base64 text of 32 bytes (how rotate() writes it) or 32 raw bytes. */
function decodeKek(data: Uint8Array | string | null | undefined): Buffer {
  if (!data) throw new Error('KEK secret version is empty');
  const raw = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  if (raw.length === 32) return raw;
  const decoded = Buffer.from(raw.toString('utf8').trim(), 'base64');
  if (decoded.length !== 32) throw new Error('KEK secret version must hold 32 bytes (base64)');
  return decoded;
}

/**
 * Reads a whole secret value (e.g. the core DATABASE_URL) from Secret Manager at start-up.
 * `resource` is projects/<p>/secrets/<s>/versions/<v>.
 */
export async function readSecretString(resource: string, endpoint?: string): Promise<string> {
  const client = new SecretManagerServiceClient(secretManagerClientOptions(endpoint));
  try {
    const [response] = await client.accessSecretVersion({ name: resource });
    const data = response.payload?.data;
    if (!data) throw new Error('secret version is empty');
    return (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')).trim();
  } finally {
    await client.close();
  }
}

/**
 * For main.ts: when GCP_DATABASE_URL_SECRET is set, returns the env with DATABASE_URL read from
 * Secret Manager (call before loadConfig/openDatabase). Otherwise returns the env unchanged.
 */
export async function resolveDatabaseUrlFromGcp(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const resource = env.GCP_DATABASE_URL_SECRET?.trim();
  if (!resource) return env;
  const url = await readSecretString(resource, env.GCP_SECRET_MANAGER_ENDPOINT?.trim() || undefined);
  return { ...env, DATABASE_URL: url };
}

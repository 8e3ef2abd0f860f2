import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('deployment settings', () => {
  const fleet = { NODE_ENV: 'production', DATABASE_URL: 'postgres://app@db/aventian', PUBLIC_URL: 'https://iam.example.com' };

  it('requires PUBLIC_URL in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/^PUBLIC_URL: required when NODE_ENV=production/)]);
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'https://iam.example.com' })).toEqual([]);
    expect(loadConfig({}).PUBLIC_URL).toBeUndefined(); // development keeps its default
  });

  it('requires an explicit LOCAL_KEY_FILE for the local provider in production on PostgreSQL', () => {
    expect(problemsOf(fleet)).toEqual([expect.stringMatching(/^LOCAL_KEY_FILE: required when NODE_ENV=production with a DATABASE_URL/)]);
    expect(problemsOf({ ...fleet, LOCAL_KEY_FILE: '/run/secrets/aventian-kek.json' })).toEqual([]);
    expect(problemsOf({ ...fleet, SECRET_PROVIDER: 'gcp', GCP_KEK_SECRET: 'projects/p/secrets/kek' })).toEqual([]);
    // Embedded production keeps the key beside its data.
    expect(problemsOf({ NODE_ENV: 'production', PUBLIC_URL: 'https://iam.example.com' })).toEqual([]);
  });

  it('takes TLS files together and only when they exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'avn-tls-'));
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, 'x');
    expect(problemsOf({ TLS_CERT_FILE: cert })).toEqual(['TLS_KEY_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together']);
    expect(problemsOf({ TLS_CERT_FILE: cert, TLS_KEY_FILE: join(dir, 'missing.pem') })).toEqual([
      `TLS_KEY_FILE: no such file (${join(dir, 'missing.pem')})`,
    ]);
    expect(loadConfig({ TLS_CERT_FILE: cert, TLS_KEY_FILE: cert }).tlsEnabled).toBe(true);
  });

  it('reads ADMIN_PORT and SHUTDOWN_GRACE_MS, refusing an admin port that collides', () => {
    const config = loadConfig({ ADMIN_PORT: '9090', SHUTDOWN_GRACE_MS: '2500' });
    expect(config.ADMIN_PORT).toBe(9090);
    expect(config.SHUTDOWN_GRACE_MS).toBe(2500);
    expect(loadConfig({}).SHUTDOWN_GRACE_MS).toBe(10_000);
    expect(loadConfig({}).ADMIN_PORT).toBeUndefined();
    expect(problemsOf({ ADMIN_PORT: '3000' })).toEqual(['ADMIN_PORT: must differ from PORT and GRPC_PORT']);
    expect(problemsOf({ ADMIN_PORT: 'x' })).toEqual([expect.stringMatching(/^ADMIN_PORT: must be an integer/)]);
  });
});

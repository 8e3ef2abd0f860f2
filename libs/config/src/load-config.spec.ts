import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment (embedded mode)', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.isEmbeddedDatabase).toBe(true);
    expect(config.isEmbeddedCache).toBe(true);
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_SSL: 'true', MIGRATE_ON_START: '0', DATABASE_URL: 'postgres://u@h/db' });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_SSL).toBe(true);
    expect(config.MIGRATE_ON_START).toBe(false);
    expect(config.isEmbeddedDatabase).toBe(false);
  });

  it('reports one line per bad variable', () => {
    try {
      loadConfig({ PORT: 'abc', REDIS_URL: 'http://nope', NODE_ENV: 'staging' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.find((p) => p.startsWith('PORT:'))).toContain('(got "abc")');
      // URL-like and secret-like variables never echo their value.
      expect(problems.find((p) => p.startsWith('REDIS_URL:'))).not.toContain('http://nope');
      expect(problems.some((p) => p.startsWith('NODE_ENV:'))).toBe(true);
    }
  });

  it('requires the bootstrap password with the bootstrap email, at least 12 characters', () => {
    expect(() => loadConfig({ AVN_BOOTSTRAP_ADMIN_EMAIL: 'a@b.co' })).toThrow(/AVN_BOOTSTRAP_ADMIN_PASSWORD/);
    expect(() => loadConfig({ AVN_BOOTSTRAP_ADMIN_EMAIL: 'a@b.co', AVN_BOOTSTRAP_ADMIN_PASSWORD: 'short' })).toThrow(/at least 12/);
    expect(
      loadConfig({ AVN_BOOTSTRAP_ADMIN_EMAIL: 'a@b.co', AVN_BOOTSTRAP_ADMIN_PASSWORD: 'long-enough-pass' }).AVN_BOOTSTRAP_ADMIN_EMAIL,
    ).toBe('a@b.co');
  });

  it('uses the owner URL for migrations and backups when given, DATABASE_URL otherwise; never without DATABASE_URL', () => {
    const runtime = 'postgres://aventian_runtime@db/aventian';
    const owner = 'postgres://aventian_owner:hunter2@db/aventian';
    expect(loadConfig({ DATABASE_URL: runtime, DATABASE_OWNER_URL: owner }).ownerDatabaseUrl).toBe(owner);
    expect(loadConfig({ DATABASE_URL: runtime }).ownerDatabaseUrl).toBe(runtime);
    expect(loadConfig({}).ownerDatabaseUrl).toBeUndefined();
    expect(() => loadConfig({ DATABASE_OWNER_URL: owner })).toThrow(/DATABASE_OWNER_URL: needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: runtime, DATABASE_OWNER_URL: 'mysql://x:hunter2@db/y' })).toThrow(
      /DATABASE_OWNER_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/m,
    );
  });

  it('needs the secret name when the GCP secret provider is chosen', () => {
    expect(() => loadConfig({ SECRET_PROVIDER: 'gcp' })).toThrow(/GCP_KEK_SECRET/);
    expect(loadConfig({ SECRET_PROVIDER: 'gcp', GCP_KEK_SECRET: 'projects/p/secrets/kek' }).SECRET_PROVIDER).toBe('gcp');
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

function runMain(env: Record<string, string>) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: 'true', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('start-up refuses bad configuration', () => {
  it('exits non-zero naming each bad variable, without a stack trace or the secret value', () => {
    const result = runMain({ PORT: 'abc', DATABASE_URL: 'mysql://user:hunter2@db/x', LOG_LEVEL: 'loud' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PORT: must be an integer between 0 and 65535 (got "abc")');
    expect(result.stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(result.stderr).toContain('LOG_LEVEL');
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('exits non-zero with a clear message when the database is unreachable', () => {
    const result = runMain({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', LOG_LEVEL: 'silent' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/failed to start: .*(ECONNREFUSED|connect)/);
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});

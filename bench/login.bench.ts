/**
 * Login and token-verification throughput on the real app (fresh PostgreSQL database + Redis):
 *   - password logins over HTTP (argon2id at OWASP parameters dominates), reported per core;
 *   - access-token verification in process, as the AuthGuard does it: ES256 signature + claims,
 *     then the session-liveness check (one cache GET), and the signature part alone;
 *   - authenticated requests over HTTP (GET /v1/me) for the end-to-end picture.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/login.bench.ts [seconds=5] [concurrency=8]
 */
import { availableParallelism } from 'node:os';
import type { AddressInfo } from 'node:net';
import { AccessTokenVerifier } from '@avn/common';
import { PasswordHasher } from '@avn/crypto';
import { AccessTokens } from '@avn/identity';
import { startTestApp } from '@avn/testing';

const SECONDS = Number(process.argv[2] ?? 5);
const CONCURRENCY = Number(process.argv[3] ?? 8);
const PASSWORD = 'bench-passphrase-for-logins';

async function forDuration(
  concurrency: number,
  seconds: number,
  op: (worker: number) => Promise<void>,
): Promise<{ ops: number; perSecond: number; errors: number }> {
  const until = Date.now() + seconds * 1000;
  let ops = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (Date.now() < until) {
        try {
          await op(worker);
          ops++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  return { ops, perSecond: ops / elapsed, errors };
}

async function main(): Promise<void> {
  // A high per-IP limit: every bench login comes from 127.0.0.1 (successes do not count anyway).
  const t = await startTestApp({ env: { LOG_LEVEL: 'silent', SIGNUP_MAX_PER_IP_PER_HOUR: '1000' } });
  try {
    const port = (t.api.app.getHttpServer().address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    // One account per worker: the lockout reserves an attempt per account before checking the
    // password, so parallel logins to ONE account beyond LOGIN_MAX_FAILURES are refused by design.
    const accounts: Array<{ email: string; accessToken: string }> = [];
    for (let i = 0; i < CONCURRENCY; i++) {
      const email = `bench-${Date.now()}-${i}@bench.test`;
      const signup = await fetch(`${base}/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD, displayName: 'Bench', teamName: 'Bench' }),
      });
      if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${await signup.text()}`);
      accounts.push({ email, accessToken: ((await signup.json()) as { accessToken: string }).accessToken });
    }
    const accessToken = accounts[0].accessToken;
    const cores = availableParallelism();
    console.log(`cores=${cores} UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4} seconds=${SECONDS} concurrency=${CONCURRENCY}`);

    // The floor of a login: one argon2id verification, sequential (one core busy).
    const hasher = t.api.app.get(PasswordHasher);
    const hash = await hasher.hash(PASSWORD);
    const n = 10;
    const started = Date.now();
    for (let i = 0; i < n; i++) await hasher.verify(hash, PASSWORD);
    const msPerHash = (Date.now() - started) / n;
    console.log(`argon2id verify:         ${msPerHash.toFixed(1)} ms each => ceiling ${(1000 / msPerHash).toFixed(1)} logins/s per core`);

    const login = await forDuration(CONCURRENCY, SECONDS, async (worker) => {
      const res = await fetch(`${base}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: accounts[worker].email, password: PASSWORD }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(String(res.status));
    });
    console.log(
      `login (HTTP):            ${login.perSecond.toFixed(1)} logins/s total, ${(login.perSecond / cores).toFixed(1)} logins/s per core (${login.ops} ok, ${login.errors} errors)`,
    );

    const verifier = t.api.app.get(AccessTokenVerifier);
    const tokens = t.api.app.get(AccessTokens, { strict: false });
    const full = await forDuration(CONCURRENCY, SECONDS, async () => {
      if (!(await verifier.verify(accessToken))) throw new Error('rejected');
    });
    console.log(`verify (sig + session):  ${full.perSecond.toFixed(0)} verifications/s (${full.errors} errors)`);
    const sigOnly = await forDuration(CONCURRENCY, SECONDS, async () => {
      if (!(await tokens.verify(accessToken))) throw new Error('rejected');
    });
    console.log(`verify (signature only): ${sigOnly.perSecond.toFixed(0)} verifications/s (${sigOnly.errors} errors)`);

    const me = await forDuration(CONCURRENCY, SECONDS, async () => {
      const res = await fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(String(res.status));
    });
    console.log(`GET /v1/me (HTTP):       ${me.perSecond.toFixed(0)} requests/s (${me.errors} errors)`);
  } finally {
    await t.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

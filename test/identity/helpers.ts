import type { TestApp } from '@avn/testing';

export { bearer, expectErrorShape, freshIp, PASSWORD, signup, uniqueEmail } from '@avn/testing';
export type { SignedUp } from '@avn/testing';

export async function activity(t: TestApp, userId: string): Promise<string[]> {
  const rows = await t.db.asPlatform(() =>
    t.db.query<{ action: string }>(`SELECT action FROM aventian_audit.activity_log WHERE user_id = $1 ORDER BY ts, id`, [userId]),
  );
  return rows.map((r) => r.action);
}

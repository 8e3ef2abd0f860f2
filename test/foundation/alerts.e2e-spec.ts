import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestApp, TestApp } from '@avn/testing';

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** deploy/prometheus/alerts.yml: well-formed, and every metric it names is exported on /metrics. */
describe('Prometheus alert rules', () => {
  const file = parse(readFileSync(join(__dirname, '../../deploy/prometheus/alerts.yml'), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[];
  };
  const rules = file.groups.flatMap((g) => g.rules);
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(async () => t?.close());

  it('are well-formed rules with a severity and a summary', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const r of rules) {
      expect(r.alert).toMatch(/^Aventian[A-Za-z0-9]+$/);
      expect(typeof r.expr).toBe('string');
      expect(['warning', 'critical']).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toBeTruthy();
      if (r.for) expect(r.for).toMatch(/^\d+[smh]$/);
      // Balanced brackets: a cheap guard against a truncated expression.
      for (const [open, close] of ['()', '[]', '{}']) expect(r.expr!.split(open).length).toBe(r.expr!.split(close).length);
    }
    const names = rules.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const wanted of ['BackupTooOld', 'BackupFailed', 'CacheOutage', 'DatabasePoolSaturated', 'High5xxRate', 'GetUserDetailsSlow'])
      expect(names).toContain(`Aventian${wanted}`);
  });

  it('name only metrics that /metrics exports', async () => {
    await t.http.get('/health/live'); // one observed request, so the histogram has series
    const text = (await t.http.get('/metrics').expect(200)).text;
    const exported = new Set<string>();
    for (const line of text.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)/.exec(line);
      if (type) {
        exported.add(type[1]);
        if (type[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) exported.add(type[1] + s);
      } else if (line && !line.startsWith('#')) exported.add(line.split(/[{ ]/)[0]);
    }
    const named = new Set(rules.flatMap((r) => r.expr!.match(/\bavn_[a-z0-9_]+/g) ?? []));
    expect(named.size).toBeGreaterThanOrEqual(8);
    expect([...named].filter((n) => !exported.has(n))).toEqual([]);
  });
});

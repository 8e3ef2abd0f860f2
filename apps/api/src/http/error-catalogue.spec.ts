import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { allErrorCodes } from './error-catalogue';

const ROOT = join(__dirname, '../../../..');

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : files(path, suffix);
    return path.endsWith(suffix) && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

interface Raised {
  code: string;
  status: number;
  where: string;
  database: boolean;
}

/** Every code the sources raise with a literal: Errors.conflict/unprocessable, new DomainError, and AV422 in SQL. */
function raisedCodes(): Raised[] {
  const found: Raised[] = [];
  for (const path of [...files(join(ROOT, 'libs'), '.ts'), ...files(join(ROOT, 'apps'), '.ts')]) {
    const text = readFileSync(path, 'utf8');
    const where = relative(ROOT, path);
    for (const m of text.matchAll(/Errors\.(conflict|unprocessable)\(\s*'([A-Z][A-Z0-9_]+)'/g)) {
      found.push({ code: m[2], status: m[1] === 'conflict' ? 409 : 422, where, database: false });
    }
    for (const m of text.matchAll(/new DomainError\(\s*(\d{3}),\s*'([A-Z][A-Z0-9_]+)'/g)) {
      found.push({ code: m[2], status: Number(m[1]), where, database: false });
    }
  }
  for (const path of files(join(ROOT, 'migrations'), '.sql')) {
    const text = readFileSync(path, 'utf8');
    for (const m of text.matchAll(/ERRCODE = 'AV422',\s*MESSAGE = (?:format\()?'([A-Z][A-Z0-9_]+):/g)) {
      found.push({ code: m[1], status: 422, where: relative(ROOT, path), database: true });
    }
  }
  return found;
}

describe('error code catalogue', () => {
  const catalogue = allErrorCodes();
  const byCode = new Map(catalogue.map((c) => [c.code, c]));

  it('gives every code one owner', () => {
    expect(catalogue.length).toBe(byCode.size);
  });

  it('lists every code the code base raises, with its status (codes from SQL triggers included)', () => {
    const raised = raisedCodes();
    expect(raised.some((r) => r.database)).toBe(true); // the scan sees the migrations
    const problems = raised
      .filter((r) => byCode.get(r.code)?.status !== r.status)
      .map(
        (r) =>
          `${r.code} (${r.status}) raised in ${r.where} is ${byCode.has(r.code) ? 'catalogued with another status' : 'not catalogued'}`,
      );
    expect(problems).toEqual([]);
  });

  it('marks exactly the codes the database raises', () => {
    const fromDatabase = new Set(
      raisedCodes()
        .filter((r) => r.database)
        .map((r) => r.code),
    );
    for (const code of fromDatabase) expect(byCode.get(code)?.raisedBy).toBe('database');
    for (const c of catalogue.filter((x) => x.raisedBy === 'database')) expect(fromDatabase).toContain(c.code);
  });

  it('has no dead entries: a library code is raised somewhere, a common code by the one error mapping', () => {
    const raised = new Set(raisedCodes().map((r) => r.code));
    const mapping = readFileSync(join(ROOT, 'libs/common/src/http/error-body.ts'), 'utf8');
    const errors = readFileSync(join(ROOT, 'libs/common/src/errors/domain-error.ts'), 'utf8');
    const dead = catalogue.filter((c) =>
      c.library === 'common' ? !mapping.includes(`'${c.code}'`) && !errors.includes(`'${c.code}'`) : !raised.has(c.code),
    );
    expect(dead.map((c) => c.code)).toEqual([]);
  });
});

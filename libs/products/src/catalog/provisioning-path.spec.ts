import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '@avn/common';
import { resolveProvisioningScript } from './provisioning-path';

describe('resolveProvisioningScript', () => {
  let root: string;
  let dir: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'avn-prov-'));
    dir = join(root, 'scripts');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'ok.js'), '');
    writeFileSync(join(dir, 'nested', 'deep.sh'), '');
    writeFileSync(join(root, 'outside.js'), '');
    symlinkSync(join(root, 'outside.js'), join(dir, 'escape.js'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const code = (rel: string) => {
    try {
      resolveProvisioningScript(dir, rel);
      return 'ok';
    } catch (e) {
      return (e as DomainError).status + ' ' + (e as DomainError).code;
    }
  };

  it('accepts files inside the directory', () => {
    expect(resolveProvisioningScript(dir, 'ok.js')).toBe(join(dir, 'ok.js'));
    expect(resolveProvisioningScript(dir, 'nested/deep.sh')).toBe(join(dir, 'nested', 'deep.sh'));
  });

  it.each([
    '../outside.js',
    'nested/../../outside.js',
    './ok.js',
    '/etc/passwd',
    '/tmp/ok.js',
    'nested',
    '',
    'a\\b.js',
    'ok.js\u0000',
    '.hidden',
  ])('refuses %j with 422', (rel) => {
    expect(code(rel)).toMatch(/^422 /);
  });

  it('refuses a symlink that points outside the directory', () => {
    expect(code('escape.js')).toBe('422 INVALID_PROVISIONING_SCRIPT');
  });

  it('names a missing file', () => {
    expect(code('missing.js')).toBe('422 PROVISIONING_SCRIPT_NOT_FOUND');
  });
});

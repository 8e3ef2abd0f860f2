import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kek, SecretProvider } from './secret-provider';

interface KeyFile {
  id: string;
  current: string;
  versions: Record<string, string>; // version -> base64 key
}

/** The key file cannot be used; the message says which file and what is wrong (never its contents). */
export class KeyFileError extends Error {
  constructor(path: string, problem: string) {
    super(`key file ${path} is not a usable key file: ${problem} (expected {"id", "current", "versions": {"1": "<base64 of 32 bytes>"}})`);
    this.name = 'KeyFileError';
  }
}

/** KEKs in a local JSON key file (mode 0600), created on first use. For the embedded default. */
export class LocalSecretProvider extends SecretProvider {
  readonly name = 'local' as const;
  private readonly path: string;

  constructor(path: string) {
    super();
    this.path = resolve(path);
  }

  describe(): string {
    return `key file ${this.path}`;
  }

  async currentKek(): Promise<Kek> {
    const file = this.load();
    return this.toKek(file, file.current);
  }

  async kek(id: string, version: string): Promise<Kek> {
    const file = this.load();
    if (id !== file.id || !file.versions[version]) throw new Error(`unknown key ${id} version ${version}`);
    return this.toKek(file, version);
  }

  async rotate(): Promise<Kek> {
    const file = this.load();
    const next = String(Math.max(...Object.keys(file.versions).map(Number)) + 1);
    file.versions[next] = randomBytes(32).toString('base64');
    file.current = next;
    this.save(file);
    return this.toKek(file, next);
  }

  private toKek(file: KeyFile, version: string): Kek {
    return { id: file.id, version, key: Buffer.from(file.versions[version], 'base64') };
  }

  private load(): KeyFile {
    if (!existsSync(this.path)) {
      const file: KeyFile = { id: 'local', current: '1', versions: { '1': randomBytes(32).toString('base64') } };
      this.save(file);
      return file;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      const reason = error instanceof SyntaxError ? 'not JSON' : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
      throw new KeyFileError(this.path, reason);
    }
    return validKeyFile(parsed, this.path);
  }

  private save(file: KeyFile): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path); // atomic replace: a crash never leaves a half-written key file
  }
}

function validKeyFile(value: unknown, path: string): KeyFile {
  const file = value as Partial<KeyFile> | null;
  if (!file || typeof file !== 'object' || Array.isArray(file)) throw new KeyFileError(path, 'not a JSON object');
  if (typeof file.id !== 'string' || !file.id) throw new KeyFileError(path, '"id" must be a non-empty string');
  if (!file.versions || typeof file.versions !== 'object') throw new KeyFileError(path, '"versions" must be an object');
  for (const [version, key] of Object.entries(file.versions)) {
    if (!/^\d+$/.test(version)) throw new KeyFileError(path, `version "${version}" must be a number`);
    if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 32) {
      throw new KeyFileError(path, `version ${version} must be the base64 of 32 bytes`);
    }
  }
  if (typeof file.current !== 'string' || !file.versions[file.current]) {
    throw new KeyFileError(path, '"current" must name one of "versions"');
  }
  return file as KeyFile;
}

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kek, SecretProvider } from './secret-provider';

interface KeyFile {
  id: string;
  current: string;
  versions: Record<string, string>; // version -> base64 key
}

/** KEKs in a local JSON key file (mode 0600), created on first use. For the embedded default. */
export class LocalSecretProvider extends SecretProvider {
  readonly name = 'local' as const;

  constructor(private readonly path: string) {
    super();
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
    return JSON.parse(readFileSync(this.path, 'utf8')) as KeyFile;
  }

  private save(file: KeyFile): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path); // atomic replace: a crash never leaves a half-written key file
  }
}

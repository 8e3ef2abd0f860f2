import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileObjectStore } from '@avn/storage';
import { objectStoreContract } from './object-store-contract';

describe('FileObjectStore (file:///dir) contract', () => {
  const dir = mkdtempSync(join(tmpdir(), 'avn-file-store-'));
  objectStoreContract(async () => ({
    store: new FileObjectStore(dir),
    close: async () => {
      // No temporary file survives a write, failed or not.
      const leftovers = readdirSync(dir, { recursive: true }).filter((n) => String(n).includes('.partial-'));
      rmSync(dir, { recursive: true, force: true });
      expect(leftovers).toEqual([]);
    },
  }));
});

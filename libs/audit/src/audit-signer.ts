import { Injectable } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { open, packBox, seal, SecretProvider, unpackBox } from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';
import { canonicalJson } from './canonical-json';
import { AuditCheckpointsRepository } from './repositories/audit-checkpoints.repository';

export interface CheckpointStatement {
  teamId: string | null;
  seq: string;
  eventId: string;
  hash: Buffer;
  ts: Date;
}

export interface PublicSigningKey {
  id: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  createdAt: string;
}

interface LoadedKey {
  id: string;
  privateKey: KeyObject;
}

/** The exact bytes a checkpoint signature covers (documented so third parties can verify). */
export function checkpointMessage(s: CheckpointStatement): Buffer {
  return Buffer.from(
    canonicalJson({
      v: 1,
      chain: s.teamId ?? 'platform',
      seq: String(s.seq),
      eventId: s.eventId,
      hash: s.hash.toString('hex'),
      ts: new Date(s.ts).toISOString(),
    }),
    'utf8',
  );
}

/**
 * Ed25519 key for checkpoint signatures. Generated on first use, stored with the private half
 * sealed under the current KEK; cached in memory only once the transaction that stored it commits.
 */
@Injectable()
export class AuditSigner {
  private current?: LoadedKey;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(
    private readonly db: DatabaseService,
    private readonly keys: AuditCheckpointsRepository,
    private readonly secrets: SecretProvider,
  ) {}

  /** Signs inside the caller's transaction (may create the key there). */
  async sign(statement: CheckpointStatement): Promise<{ keyId: string; signature: Buffer }> {
    const key = this.current ?? (await this.loadOrCreate());
    return { keyId: key.id, signature: sign(null, checkpointMessage(statement), key.privateKey) };
  }

  async verify(keyId: string, statement: CheckpointStatement, signature: Buffer): Promise<boolean> {
    const publicKey = await this.publicKey(keyId);
    if (!publicKey) return false;
    try {
      return verify(null, checkpointMessage(statement), publicKey, signature);
    } catch {
      return false;
    }
  }

  async listPublicKeys(): Promise<PublicSigningKey[]> {
    const rows = await this.keys.listSigningKeys();
    return rows.map((r) => ({ id: r.id, algorithm: 'Ed25519', publicKeyPem: r.public_key, createdAt: r.created_at.toISOString() }));
  }

  private async publicKey(keyId: string): Promise<KeyObject | undefined> {
    const cached = this.publicKeys.get(keyId);
    if (cached) return cached;
    const pem = await this.keys.publicKey(keyId);
    if (!pem) return undefined;
    const key = createPublicKey(pem);
    this.publicKeys.set(keyId, key);
    return key;
  }

  private async loadOrCreate(): Promise<LoadedKey> {
    // Serialise instances so a deployment ends up with one key, not one per instance.
    await this.keys.lockSigningKeys();
    const row = await this.keys.newestSigningKey();
    let loaded: LoadedKey;
    if (row) {
      const kek = await this.secrets.kek(row.kek_id, row.kek_version);
      const der = open(kek.key, unpackBox(row.private_key_sealed), Buffer.from(row.id));
      loaded = { id: row.id, privateKey: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
    } else {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const id = newId();
      const kek = await this.secrets.currentKek();
      const sealed = packBox(seal(kek.key, privateKey.export({ format: 'der', type: 'pkcs8' }), Buffer.from(id)));
      await this.keys.insertSigningKey({
        id,
        publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        sealed,
        kekId: kek.id,
        kekVersion: kek.version,
      });
      loaded = { id, privateKey };
    }
    // Cache only after COMMIT: a rolled-back key must never sign later checkpoints.
    await this.db.afterCommit(() => {
      this.current ??= loaded;
    });
    return loaded;
  }
}

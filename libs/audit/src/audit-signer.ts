import { Injectable } from '@nestjs/common';
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { open, packBox, seal, SecretProvider, unpackBox } from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';
import { canonicalJson } from './canonical-json';

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
    const rows = await this.db.query<{ id: string; public_key: string; created_at: Date }>(
      `SELECT id, public_key, created_at FROM aventian_audit.audit_signing_keys ORDER BY created_at, id`,
    );
    return rows.map((r) => ({ id: r.id, algorithm: 'Ed25519', publicKeyPem: r.public_key, createdAt: r.created_at.toISOString() }));
  }

  private async publicKey(keyId: string): Promise<KeyObject | undefined> {
    const cached = this.publicKeys.get(keyId);
    if (cached) return cached;
    const row = await this.db.queryOne<{ public_key: string }>(`SELECT public_key FROM aventian_audit.audit_signing_keys WHERE id = $1`, [
      keyId,
    ]);
    if (!row) return undefined;
    const key = createPublicKey(row.public_key);
    this.publicKeys.set(keyId, key);
    return key;
  }

  private async loadOrCreate(): Promise<LoadedKey> {
    // Serialise instances so a deployment ends up with one key, not one per instance.
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('audit-signing-key'))`);
    const row = await this.db.queryOne<{ id: string; private_key_sealed: Buffer; kek_id: string; kek_version: string }>(
      `SELECT id, private_key_sealed, kek_id, kek_version FROM aventian_audit.audit_signing_keys ORDER BY created_at DESC, id DESC LIMIT 1`,
    );
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
      await this.db.query(
        `INSERT INTO aventian_audit.audit_signing_keys (id, public_key, private_key_sealed, kek_id, kek_version)
         VALUES ($1, $2, $3, $4, $5)`,
        [id, publicKey.export({ format: 'pem', type: 'spki' }).toString(), sealed, kek.id, kek.version],
      );
      loaded = { id, privateKey };
    }
    // Cache only after COMMIT: a rolled-back key must never sign later checkpoints.
    await this.db.afterCommit(() => {
      this.current ??= loaded;
    });
    return loaded;
  }
}

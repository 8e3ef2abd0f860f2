import { Injectable, Logger } from '@nestjs/common';
import {
  DecryptionError,
  decryptWithKey,
  encryptWithKey,
  generateDataKey,
  Kek,
  SecretProvider,
  unwrapDataKey,
  wrapDataKey,
} from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';
import { ConnectionRow, DataKeyRow, VaultRepository } from './vault.repository';

export interface RotationReport {
  kek: { id: string; version: string };
  rewrapped: number;
  reencryptedTeams: number;
  reencryptedRows: number;
  failed: number;
}

const DEK_CACHE_MAX = 5000;
const DEK_CACHE_TTL_MS = 5 * 60_000;

/** Associated data: a wrapped DEK only opens for its own team and id. */
const dataKeyAad = (teamId: string, dataKeyId: string) => Buffer.from(`avn:dek:v1|team=${teamId}|dek=${dataKeyId}`, 'utf8');
/** Associated data: a connection row only opens for its own team and product (a copied row fails). */
export const connectionAad = (teamId: string, productCode: string) =>
  Buffer.from(`avn:dbconn:v1|team=${teamId}|product=${productCode}`, 'utf8');

/**
 * Per-team envelope encryption of product database connection strings (AES-256-GCM).
 * One active data key (DEK) per team, wrapped by the SecretProvider's KEK; ciphertext rows name
 * their DEK, DEKs name their KEK version, so KEK rotation only re-wraps DEKs and DEK rotation
 * re-encrypts a team's rows; both run online, row by row, while old versions keep decrypting.
 *
 * Unwrapped DEKs are cached in memory for a few minutes (a DEK's plaintext never changes under its
 * id, only its wrapping does); connection ciphertext is read from the database on every request,
 * so a rotate or cancel is visible at once.
 */
@Injectable()
export class ConnectionVault {
  private readonly logger = new Logger(ConnectionVault.name);
  private readonly dekCache = new Map<string, { key: Buffer; at: number }>();

  constructor(
    private readonly db: DatabaseService,
    private readonly repo: VaultRepository,
    private readonly secrets: SecretProvider,
  ) {}

  /** Encrypts and upserts the team's connection for a product. Call inside a transaction scoped to the team. */
  async store(teamId: string, productId: string, productCode: string, connectionString: string): Promise<void> {
    const dek = await this.activeDataKey(teamId);
    const ciphertext = encryptWithKey(dek.key, Buffer.from(connectionString, 'utf8'), connectionAad(teamId, productCode));
    await this.repo.upsertConnection(teamId, { id: newId(), productId, dataKeyId: dek.id, ciphertext });
  }

  /** Decrypts a row read with `VaultRepository.selectSql`; throws DecryptionError (fail closed) on any tampering or mismatch. */
  async decrypt(row: ConnectionRow): Promise<string> {
    const key = await this.unwrap({
      id: row.dek_id,
      team_id: row.dek_team_id,
      wrapped_key: row.wrapped_key,
      kek_id: row.kek_id,
      kek_version: row.kek_version,
    });
    return decryptWithKey(key, row.ciphertext, connectionAad(row.team_id, row.product_code)).toString('utf8');
  }

  /**
   * KEK rotation (`encryption:rotate`): a new KEK version, then every DEK re-wrapped under it, one
   * short transaction per DEK. With `reencrypt`, each team also gets a fresh DEK and its rows are
   * re-encrypted; the old DEK is deleted once unused. Safe to re-run after an interruption.
   */
  async rotate(options: { reencrypt: boolean; log?: (line: string) => void }): Promise<RotationReport> {
    const kek = await this.secrets.rotate();
    const report: RotationReport = {
      kek: { id: kek.id, version: kek.version },
      rewrapped: 0,
      reencryptedTeams: 0,
      reencryptedRows: 0,
      failed: 0,
    };
    const ids = await this.db.asPlatform(() => this.repo.listAllDataKeys());
    for (const { id } of ids) {
      try {
        if (await this.rewrap(id, kek)) report.rewrapped++;
      } catch (error) {
        report.failed++;
        this.logger.error(`re-wrapping data key ${id} failed: ${(error as Error).name}`);
      }
    }
    if (options.reencrypt) {
      const teams = [...new Set(ids.map((r) => r.team_id))];
      for (const teamId of teams) {
        try {
          report.reencryptedRows += await this.reencryptTeam(teamId, kek);
          report.reencryptedTeams++;
        } catch (error) {
          report.failed++;
          this.logger.error(`re-encrypting team ${teamId} failed: ${(error as Error).name}`);
        }
      }
    }
    options.log?.(`KEK ${kek.id} now at version ${kek.version}`);
    return report;
  }

  private async rewrap(dataKeyId: string, kek: Kek): Promise<boolean> {
    return this.db.asPlatform(async () => {
      const row = await this.repo.lockDataKey(dataKeyId);
      if (!row || (row.kek_id === kek.id && row.kek_version === kek.version)) return false;
      const old = await this.secrets.kek(row.kek_id, row.kek_version);
      const aad = dataKeyAad(row.team_id, row.id);
      const plain = unwrapDataKey(old, row.wrapped_key, aad);
      await this.repo.rewrapDataKey(row.id, wrapDataKey(kek, plain, aad), kek);
      return true;
    });
  }

  private async reencryptTeam(teamId: string, kek: Kek): Promise<number> {
    return this.db.inTeam(teamId, async () => {
      // Lock the team's keys: a concurrent store() waits, then writes with the new active key.
      const keys = await this.repo.lockTeamDataKeys(teamId);
      await this.repo.retireActiveDataKey(teamId);
      const fresh = await this.insertDataKey(teamId, kek);
      const byId = new Map(keys.map((k) => [k.id, k]));
      const rows = await this.repo.lockTeamConnections(teamId);
      for (const row of rows) {
        const dek = byId.get(row.data_key_id);
        if (!dek) throw new DecryptionError();
        const plain = decryptWithKey(await this.unwrap(dek), row.ciphertext, connectionAad(teamId, row.product_code));
        await this.repo.reencryptConnection(
          teamId,
          row.id,
          fresh.id,
          encryptWithKey(fresh.key, plain, connectionAad(teamId, row.product_code)),
        );
      }
      await this.repo.deleteUnusedRetiredKeys(teamId);
      return rows.length;
    });
  }

  /** The team's active DEK, created on first use (concurrent creators converge on one row). */
  private async activeDataKey(teamId: string): Promise<{ id: string; key: Buffer }> {
    const existing = await this.repo.findActiveDataKey(teamId);
    if (existing) return { id: existing.id, key: await this.unwrap(existing) };
    return this.insertDataKey(teamId, await this.secrets.currentKek());
  }

  private async insertDataKey(teamId: string, kek: Kek): Promise<{ id: string; key: Buffer }> {
    const id = newId();
    const key = generateDataKey();
    const inserted = await this.repo.insertActiveDataKey(teamId, {
      id,
      wrappedKey: wrapDataKey(kek, key, dataKeyAad(teamId, id)),
      kekId: kek.id,
      kekVersion: kek.version,
    });
    if (inserted) {
      this.remember(id, key);
      return { id, key };
    }
    const winner = await this.repo.findActiveDataKey(teamId);
    if (!winner) throw new Error('data key vanished');
    return { id: winner.id, key: await this.unwrap(winner) };
  }

  private async unwrap(row: DataKeyRow): Promise<Buffer> {
    const cached = this.dekCache.get(row.id);
    if (cached && Date.now() - cached.at < DEK_CACHE_TTL_MS) return cached.key;
    const kek = await this.secrets.kek(row.kek_id, row.kek_version);
    const key = unwrapDataKey(kek, row.wrapped_key, dataKeyAad(row.team_id, row.id));
    this.remember(row.id, key);
    return key;
  }

  private remember(id: string, key: Buffer): void {
    if (this.dekCache.size >= DEK_CACHE_MAX) this.dekCache.clear();
    this.dekCache.set(id, { key, at: Date.now() });
  }
}

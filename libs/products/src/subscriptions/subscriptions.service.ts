import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseService, newId } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { ProductsService } from '../catalog/products.service';
import { resolveProvisioningScript } from '../catalog/provisioning-path';
import { TemplateRolesRepository } from '../catalog/template-roles.repository';
import { ConnectionVault } from '../vault/connection-vault.service';
import { ProvisioningRunner } from './provisioning-runner';
import { CreateSubscriptionDto, SubscriptionDto, UpdateSubscriptionDto } from './subscriptions.dto';
import { SubscriptionRow, SubscriptionsRepository } from './subscriptions.repository';

const toDto = (r: SubscriptionRow): SubscriptionDto => ({
  productCode: r.product_code,
  productName: r.product_name,
  plan: r.plan,
  seats: r.seats,
  seatsUsed: Number(r.seats_used),
  status: r.status,
  failureReason: r.failure_reason,
  hasDbConnection: r.has_connection,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  canceledAt: r.canceled_at?.toISOString() ?? null,
});

/**
 * A team's subscriptions to master products. Subscribing instantiates the product's role templates
 * as team roles and runs the product's provisioning script synchronously (bounded by
 * PROVISIONING_TIMEOUT_MS) OUTSIDE any transaction: the row is committed as `provisioning` first,
 * then a second short transaction stores the encrypted connection and sets `active` (or `failed`
 * with a short reason). A failed subscription is retried with POST …/:productCode/retry.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: SubscriptionsRepository,
    private readonly products: ProductsService,
    private readonly templateRoles: TemplateRolesRepository,
    private readonly runner: ProvisioningRunner,
    private readonly vault: ConnectionVault,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
    private readonly config: AppConfig,
  ) {}

  async subscribe(teamId: string, input: CreateSubscriptionDto): Promise<SubscriptionDto> {
    const created = await this.db.inTeam(teamId, async () => {
      await this.requireTeam(teamId);
      const product = await this.products.require(input.productCode);
      if (product.status !== 'active') throw Errors.unprocessable('PRODUCT_RETIRED', `Product ${product.code} is retired`);
      if (await this.repo.findLive(teamId, product.code)) {
        throw Errors.conflict('SUBSCRIPTION_EXISTS', `The team already has a subscription to ${product.code}`);
      }
      const id = newId();
      const status = product.provisioning_script ? 'provisioning' : 'active';
      await this.repo.insert(teamId, { id, productId: product.id, plan: input.plan, seats: input.seats ?? null, status });
      const roles = await this.templateRoles.instantiateForTeam(teamId, product.id);
      await this.audit.record({
        teamId,
        action: 'subscription.created',
        targetType: 'subscription',
        targetId: id,
        data: { productCode: product.code, plan: input.plan, seats: input.seats ?? null, status },
      });
      await this.invalidator.teamChanged(teamId);
      for (const roleId of roles) await this.invalidator.roleChanged(roleId);
      return { id, script: product.provisioning_script, productCode: product.code };
    });
    if (created.script) await this.provision(teamId, created.id, created.productCode, created.script);
    return this.dtoById(teamId, created.id);
  }

  /** A team has a handful of subscriptions: one page, in the usual list shape. */
  list(teamId: string): Promise<{ items: SubscriptionDto[]; nextCursor: null }> {
    return this.db.inTeam(teamId, async () => ({ items: (await this.repo.list(teamId)).map(toDto), nextCursor: null }));
  }

  async update(teamId: string, productCode: string, patch: UpdateSubscriptionDto): Promise<SubscriptionDto> {
    return this.db.inTeam(teamId, async () => {
      const live = await this.requireLive(teamId, productCode);
      // The seats trigger refuses a decrease below the members already holding product roles (422).
      await this.repo.update(teamId, live.id, { plan: patch.plan, seats: patch.seats });
      await this.audit.record({
        teamId,
        action: 'subscription.updated',
        targetType: 'subscription',
        targetId: live.id,
        data: {
          productCode,
          from: { plan: live.plan, seats: live.seats },
          to: { plan: patch.plan ?? live.plan, seats: patch.seats === undefined ? live.seats : patch.seats },
        },
      });
      await this.invalidator.teamChanged(teamId);
      return toDto((await this.repo.findById(teamId, live.id))!);
    });
  }

  /** Cancel: GetUserDetails stops listing the team for the product at once; the stored connection is destroyed. */
  async cancel(teamId: string, productCode: string): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      const live = await this.requireLive(teamId, productCode);
      // A trigger (0302) deletes the stored connection in this transaction, also for team deletions.
      await this.repo.update(teamId, live.id, { status: 'canceled', canceled: true });
      await this.audit.record({
        teamId,
        action: 'subscription.canceled',
        targetType: 'subscription',
        targetId: live.id,
        data: { productCode },
      });
      await this.invalidator.teamChanged(teamId);
      await this.invalidator.productChanged(live.product_id);
    });
  }

  /** Re-runs provisioning of a failed subscription (or one stuck in provisioning past the time limit). */
  async retry(teamId: string, productCode: string): Promise<SubscriptionDto> {
    const target = await this.db.inTeam(teamId, async () => {
      const live = await this.requireLive(teamId, productCode);
      const product = await this.products.require(productCode);
      const stuck = live.status === 'provisioning' && Date.now() - live.updated_at.getTime() > this.config.PROVISIONING_TIMEOUT_MS + 5000;
      if (live.status !== 'failed' && !stuck) {
        throw Errors.unprocessable('NOT_RETRYABLE', `Only a failed subscription can be retried (status is ${live.status})`);
      }
      if (!product.provisioning_script) {
        await this.repo.update(teamId, live.id, { status: 'active', failureReason: null });
        await this.invalidator.teamChanged(teamId);
        return { id: live.id, script: null };
      }
      await this.repo.update(teamId, live.id, { status: 'provisioning', failureReason: null });
      await this.audit.record({
        teamId,
        action: 'subscription.provisioning_retried',
        targetType: 'subscription',
        targetId: live.id,
        data: { productCode },
      });
      return { id: live.id, script: product.provisioning_script };
    });
    if (target.script) await this.provision(teamId, target.id, productCode, target.script);
    return this.dtoById(teamId, target.id);
  }

  /** Platform admin sets or rotates the connection by hand; a subscription not yet provisioned becomes active. */
  async setConnection(teamId: string, productCode: string, connectionString: string): Promise<void> {
    await this.db.inTeam(teamId, async () => {
      const live = await this.requireLive(teamId, productCode);
      await this.vault.store(teamId, live.product_id, productCode, connectionString);
      if (live.status !== 'active') await this.repo.update(teamId, live.id, { status: 'active', failureReason: null });
      await this.audit.record({
        teamId,
        action: live.has_connection ? 'db_connection.rotated' : 'db_connection.set',
        targetType: 'subscription',
        targetId: live.id,
        data: { productCode },
      });
      await this.invalidator.teamChanged(teamId);
    });
  }

  private async provision(teamId: string, subscriptionId: string, productCode: string, script: string): Promise<void> {
    let result: Awaited<ReturnType<ProvisioningRunner['run']>>;
    try {
      // Resolved again at run time: the file must still be inside the scripts directory.
      const path = resolveProvisioningScript(this.config.PROVISIONING_SCRIPTS_DIR, script);
      result = await this.runner.run(path, teamId, productCode);
    } catch {
      result = { ok: false, reason: 'the provisioning script is missing or outside the scripts directory' };
    }
    await this.db.inTeam(teamId, async () => {
      const row = await this.repo.findById(teamId, subscriptionId, true);
      // Canceled or set by hand meanwhile: this run's outcome is stale and is dropped.
      if (!row || row.status !== 'provisioning') return;
      if (result.ok) {
        await this.vault.store(teamId, row.product_id, productCode, result.connectionString);
        await this.repo.update(teamId, row.id, { status: 'active', failureReason: null });
        await this.audit.record({
          teamId,
          action: 'subscription.provisioned',
          targetType: 'subscription',
          targetId: row.id,
          data: { productCode },
        });
      } else {
        await this.repo.update(teamId, row.id, { status: 'failed', failureReason: result.reason });
        await this.audit.record({
          teamId,
          action: 'subscription.provisioning_failed',
          targetType: 'subscription',
          targetId: row.id,
          data: { productCode, reason: result.reason },
        });
      }
      await this.invalidator.teamChanged(teamId);
    });
  }

  private async dtoById(teamId: string, id: string): Promise<SubscriptionDto> {
    return this.db.inTeam(teamId, async () => toDto((await this.repo.findById(teamId, id))!));
  }

  private async requireTeam(teamId: string): Promise<void> {
    if (!(await this.repo.teamIsActive(teamId))) throw Errors.notFound('Team');
  }

  private async requireLive(teamId: string, productCode: string): Promise<SubscriptionRow> {
    await this.requireTeam(teamId);
    const live = await this.repo.findLive(teamId, productCode, true);
    if (!live) throw Errors.notFound('Subscription');
    return live;
  }
}

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { newId } from '@avn/database';
import { ProductsService } from '@avn/products';
import type { TestApp } from '@avn/testing';
import { AccessInvalidator, USER_DIRECTORY_PROTO_OPTIONS, userDirectoryProtoPath } from '@avn/user-details';

/**
 * Seeds the GetUserDetails world with set-based SQL (as the migration-free app role, platform
 * scope) and creates product keys through the products service, like an operator would.
 */
export class DetailsFixture {
  constructor(readonly t: TestApp) {}

  sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.t.db.asPlatform(() => this.t.db.query<T>(text, params));
  }

  async product(code: string, privileges: string[]): Promise<{ id: string; code: string; key: string; keyId: string }> {
    const id = newId();
    await this.sql(`INSERT INTO aventian.tbl_master_products (id, code, name, allowed_resource_types) VALUES ($1, $2, $3, $4)`, [
      id,
      code,
      `Product ${code}`,
      [...new Set(privileges.map((p) => p.split(':')[0]))],
    ]);
    for (const code of privileges) {
      const [resourceType, action] = code.split(':');
      await this.sql(`INSERT INTO aventian.tbl_privileges (product_id, resource_type, action, code) VALUES ($1, $2, $3, $4)`, [
        id,
        resourceType,
        action,
        code,
      ]);
    }
    const created = await this.t.api.app.get(ProductsService).createApiKey(code, `${code} backend`, null);
    return { id, code, key: created.key, keyId: created.id };
  }

  async user(email: string, status: 'active' | 'disabled' = 'active'): Promise<string> {
    const id = newId();
    await this.sql(
      `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name, status) VALUES ($1, $2, lower($2), $3, $4)`,
      [id, email, email.split('@')[0], status],
    );
    return id;
  }

  async team(name: string, subscriptions: Array<{ productId: string; plan?: string; status?: string }> = []): Promise<string> {
    const id = newId();
    await this.sql(`INSERT INTO aventian.tbl_teams (id, name) VALUES ($1, $2)`, [id, name]);
    for (const s of subscriptions) {
      await this.sql(`INSERT INTO aventian.tbl_team_product_assoc (team_id, product_id, plan, status) VALUES ($1, $2, $3, $4)`, [
        id,
        s.productId,
        s.plan ?? 'pro',
        s.status ?? 'active',
      ]);
    }
    return id;
  }

  async role(teamId: string, code: string, privilegeCodes: string[], productId: string | null = null): Promise<string> {
    const id = newId();
    await this.sql(`INSERT INTO aventian.tbl_roles (id, team_id, product_id, code, name) VALUES ($1, $2, $3, $4, $5)`, [
      id,
      teamId,
      productId,
      code,
      `Role ${code}`,
    ]);
    if (privilegeCodes.length) {
      await this.sql(
        `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id)
         SELECT $1, p.id, $2 FROM aventian.tbl_privileges p WHERE p.code = ANY($3::text[])`,
        [id, teamId, privilegeCodes],
      );
    }
    return id;
  }

  async member(teamId: string, userId: string, roleCodes: string[]): Promise<void> {
    await this.sql(`INSERT INTO aventian.tbl_team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [teamId, userId]);
    await this.sql(
      `INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id)
       SELECT $1, $2, r.id FROM aventian.tbl_roles r
        WHERE r.code = ANY($3::text[]) AND (r.team_id = $1 OR r.team_id IS NULL)`,
      [teamId, userId, roleCodes],
    );
  }

  /** What the RBAC service does for a revoke: the change and the invalidation in one transaction. */
  async revokeRole(app: TestApp, teamId: string, userId: string, roleCode: string): Promise<void> {
    const invalidator = app.api.app.get(AccessInvalidator);
    await app.db.transaction(
      async () => {
        await app.db.query(
          `DELETE FROM aventian.tbl_member_roles mr USING aventian.tbl_roles r
            WHERE mr.role_id = r.id AND mr.team_id = $1 AND mr.user_id = $2 AND r.code = $3`,
          [teamId, userId, roleCode],
        );
        await invalidator.userChanged(userId);
      },
      { platform: true },
    );
  }

  async grantRole(app: TestApp, teamId: string, userId: string, roleCode: string): Promise<void> {
    const invalidator = app.api.app.get(AccessInvalidator);
    await app.db.transaction(
      async () => {
        await app.db.query(
          `INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id)
           SELECT $1, $2, r.id FROM aventian.tbl_roles r WHERE r.team_id = $1 AND r.code = $3`,
          [teamId, userId, roleCode],
        );
        await invalidator.userChanged(userId);
      },
      { platform: true },
    );
  }
}

export interface GrpcDirectoryClient {
  getUserDetails(request: { userId: string; teamId?: string }, key?: string): Promise<unknown>;
  close(): void;
}

export function grpcClient(port: number): GrpcDirectoryClient {
  const definition = protoLoader.loadSync(userDirectoryProtoPath(), USER_DIRECTORY_PROTO_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { aventian: { v1: { UserDirectory: grpc.ServiceClientConstructor } } };
  const client = new pkg.aventian.v1.UserDirectory(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    GetUserDetails: (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
  };
  return {
    getUserDetails: (request, key) =>
      new Promise((resolve, reject) => {
        const md = new grpc.Metadata();
        if (key) md.set('authorization', `Bearer ${key}`);
        client.GetUserDetails(request, md, (err, res) => (err ? reject(err) : resolve(res)));
      }),
    close: () => client.close(),
  };
}

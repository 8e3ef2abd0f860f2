import { Injectable } from '@nestjs/common';
import { Errors } from '@avn/common';
import { DatabaseService } from '@avn/database';

/**
 * Team roles instantiated from a product's role templates (tbl_roles.template_id). The template is
 * the source of truth: these statements (re)create the team's roles and make each role's privileges
 * equal to its template's. Set-based, so a template change touching many teams stays one round trip.
 */
@Injectable()
export class TemplateRolesRepository {
  constructor(private readonly db: DatabaseService) {}

  /**
   * Makes sure `teamId` has one role per template of the product (re-using roles left from an earlier
   * subscription) with the template's privileges. A team role of the same code that does not come from
   * the template is a conflict (409) rather than silently merged.
   */
  async instantiateForTeam(teamId: string, productId: string): Promise<string[]> {
    await this.db.query(
      `INSERT INTO aventian.tbl_roles (team_id, product_id, template_id, code, name, system)
       SELECT $1, t.product_id, t.id, t.code, t.name, t.system
         FROM aventian.tbl_role_templates t
        WHERE t.product_id = $2
          AND NOT EXISTS (SELECT 1 FROM aventian.tbl_roles r WHERE r.team_id = $1 AND r.template_id = t.id)
       ON CONFLICT ON CONSTRAINT uq_roles_team_code DO NOTHING`,
      [teamId, productId],
    );
    const clash = await this.db.queryOne<{ code: string }>(
      `SELECT t.code FROM aventian.tbl_role_templates t
        WHERE t.product_id = $2
          AND NOT EXISTS (SELECT 1 FROM aventian.tbl_roles r WHERE r.team_id = $1 AND r.template_id = t.id)
        LIMIT 1`,
      [teamId, productId],
    );
    if (clash)
      throw Errors.conflict('ROLE_CODE_CONFLICT', `The team already has a role "${clash.code}" that does not come from the product`);
    return this.syncPrivileges({ teamId, productId });
  }

  /** Creates the role of a new template in every team with a live subscription to the product. */
  async instantiateTemplateForSubscribers(templateId: string, productId: string): Promise<string[]> {
    await this.db.query(
      `INSERT INTO aventian.tbl_roles (team_id, product_id, template_id, code, name, system)
       SELECT s.team_id, t.product_id, t.id, t.code, t.name, t.system
         FROM aventian.tbl_role_templates t
         JOIN aventian.tbl_team_product_assoc s ON s.product_id = t.product_id AND s.status <> 'canceled'
        WHERE t.id = $1
          AND NOT EXISTS (SELECT 1 FROM aventian.tbl_roles r WHERE r.team_id = s.team_id AND r.template_id = t.id)
       ON CONFLICT ON CONSTRAINT uq_roles_team_code DO NOTHING`,
      [templateId],
    );
    const clash = await this.db.queryOne<{ team_id: string }>(
      `SELECT s.team_id FROM aventian.tbl_team_product_assoc s
        WHERE s.product_id = $2 AND s.status <> 'canceled'
          AND NOT EXISTS (SELECT 1 FROM aventian.tbl_roles r WHERE r.team_id = s.team_id AND r.template_id = $1)
        LIMIT 1`,
      [templateId, productId],
    );
    if (clash) throw Errors.conflict('ROLE_CODE_CONFLICT', 'A subscribed team already has a role with this code');
    return this.syncPrivileges({ productId, templateId });
  }

  /** Aligns role privileges with templates; returns the ids of roles whose privileges changed. */
  async syncPrivileges(scope: { productId: string; teamId?: string; templateId?: string }): Promise<string[]> {
    const params = [scope.productId, scope.teamId ?? null, scope.templateId ?? null];
    const filter = `r.product_id = $1 AND r.template_id IS NOT NULL AND r.team_id IS NOT NULL
                    AND ($2::uuid IS NULL OR r.team_id = $2) AND ($3::uuid IS NULL OR r.template_id = $3)`;
    const removed = await this.db.query<{ role_id: string }>(
      `DELETE FROM aventian.tbl_role_privileges rp USING aventian.tbl_roles r
        WHERE rp.role_id = r.id AND ${filter}
          AND NOT EXISTS (SELECT 1 FROM aventian.tbl_role_template_privileges tp
                           WHERE tp.template_id = r.template_id AND tp.privilege_id = rp.privilege_id)
        RETURNING rp.role_id`,
      params,
    );
    const added = await this.db.query<{ role_id: string }>(
      `INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id)
       SELECT r.id, tp.privilege_id, r.team_id
         FROM aventian.tbl_roles r
         JOIN aventian.tbl_role_template_privileges tp ON tp.template_id = r.template_id
        WHERE ${filter}
       ON CONFLICT (role_id, privilege_id) DO NOTHING
       RETURNING role_id`,
      params,
    );
    return [...new Set([...removed, ...added].map((r) => r.role_id))];
  }
}

import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface ProductRow {
  id: string;
  code: string;
  name: string;
  provisioning_script: string | null;
  dashboard_url: string | null;
  allowed_resource_types: string[];
  status: 'active' | 'retired';
  created_at: Date;
  updated_at: Date;
}

export interface PrivilegeRow {
  id: string;
  product_id: string;
  resource_type: string;
  action: string;
  code: string;
  description: string | null;
  created_at: Date;
}

export interface TemplateRow {
  id: string;
  product_id: string;
  code: string;
  name: string;
  system: boolean;
  privileges: string[];
}

const PRODUCT_COLS = 'id, code, name, provisioning_script, dashboard_url, allowed_resource_types, status, created_at, updated_at';

/** Master products, their privileges and role templates (platform-level tables, no RLS). */
@Injectable()
export class ProductsRepository {
  constructor(private readonly db: DatabaseService) {}

  async insert(p: {
    id: string;
    code: string;
    name: string;
    script: string | null;
    dashboardUrl: string | null;
    resourceTypes: string[];
  }): Promise<ProductRow | undefined> {
    return this.db.queryOne<ProductRow>(
      `INSERT INTO aventian.tbl_master_products (id, code, name, provisioning_script, dashboard_url, allowed_resource_types)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING RETURNING ${PRODUCT_COLS}`,
      [p.id, p.code, p.name, p.script, p.dashboardUrl, p.resourceTypes],
    );
  }

  findByCode(code: string, forUpdate = false): Promise<ProductRow | undefined> {
    return this.db.queryOne<ProductRow>(
      `SELECT ${PRODUCT_COLS} FROM aventian.tbl_master_products WHERE code = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [code],
    );
  }

  findById(id: string): Promise<ProductRow | undefined> {
    return this.db.queryOne<ProductRow>(`SELECT ${PRODUCT_COLS} FROM aventian.tbl_master_products WHERE id = $1`, [id]);
  }

  list(includeRetired: boolean, after: string | undefined, limit: number): Promise<ProductRow[]> {
    return this.db.query<ProductRow>(
      `SELECT ${PRODUCT_COLS} FROM aventian.tbl_master_products
        WHERE ($1::boolean OR status = 'active') AND ($2::text IS NULL OR code > $2)
        ORDER BY code LIMIT $3`,
      [includeRetired, after ?? null, limit],
    );
  }

  async update(
    id: string,
    patch: { name?: string; script?: string; dashboardUrl?: string; resourceTypes?: string[]; status?: string },
  ): Promise<ProductRow> {
    const [row] = await this.db.query<ProductRow>(
      `UPDATE aventian.tbl_master_products SET
         name = coalesce($2, name),
         provisioning_script = coalesce($3, provisioning_script),
         dashboard_url = coalesce($4, dashboard_url),
         allowed_resource_types = coalesce($5, allowed_resource_types),
         status = coalesce($6, status)
       WHERE id = $1 RETURNING ${PRODUCT_COLS}`,
      [id, patch.name ?? null, patch.script ?? null, patch.dashboardUrl ?? null, patch.resourceTypes ?? null, patch.status ?? null],
    );
    return row;
  }

  /** Resource types that existing privileges of the product still use. */
  async resourceTypesInUse(productId: string): Promise<string[]> {
    const rows = await this.db.query<{ resource_type: string }>(
      'SELECT DISTINCT resource_type FROM aventian.tbl_privileges WHERE product_id = $1',
      [productId],
    );
    return rows.map((r) => r.resource_type);
  }

  // --- privileges ---

  insertPrivilege(p: {
    id: string;
    productId: string;
    resourceType: string;
    action: string;
    description: string | null;
  }): Promise<PrivilegeRow | undefined> {
    return this.db.queryOne<PrivilegeRow>(
      `INSERT INTO aventian.tbl_privileges (id, product_id, resource_type, action, code, description)
       VALUES ($1, $2, $3, $4, $3 || ':' || $4, $5) ON CONFLICT (code) DO NOTHING
       RETURNING id, product_id, resource_type, action, code, description, created_at`,
      [p.id, p.productId, p.resourceType, p.action, p.description],
    );
  }

  listPrivileges(productId: string): Promise<PrivilegeRow[]> {
    return this.db.query<PrivilegeRow>(
      `SELECT id, product_id, resource_type, action, code, description, created_at
         FROM aventian.tbl_privileges WHERE product_id = $1 ORDER BY code`,
      [productId],
    );
  }

  /** The product's privileges among `codes` (codes of other products or platform privileges are not returned). */
  privilegesByCodes(productId: string, codes: string[]): Promise<PrivilegeRow[]> {
    return this.db.query<PrivilegeRow>(
      `SELECT id, product_id, resource_type, action, code, description, created_at
         FROM aventian.tbl_privileges WHERE product_id = $1 AND code = ANY($2::text[])`,
      [productId, codes],
    );
  }

  // --- role templates ---

  insertTemplate(t: { id: string; productId: string; code: string; name: string; system: boolean }): Promise<{ id: string } | undefined> {
    return this.db.queryOne<{ id: string }>(
      `INSERT INTO aventian.tbl_role_templates (id, product_id, code, name, system)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (product_id, code) DO NOTHING RETURNING id`,
      [t.id, t.productId, t.code, t.name, t.system],
    );
  }

  async setTemplatePrivileges(templateId: string, privilegeIds: string[]): Promise<void> {
    await this.db.query(
      `DELETE FROM aventian.tbl_role_template_privileges WHERE template_id = $1 AND NOT (privilege_id = ANY($2::uuid[]))`,
      [templateId, privilegeIds],
    );
    await this.db.query(
      `INSERT INTO aventian.tbl_role_template_privileges (template_id, privilege_id)
       SELECT $1, unnest($2::uuid[]) ON CONFLICT (template_id, privilege_id) DO NOTHING`,
      [templateId, privilegeIds],
    );
  }

  listTemplates(productId: string, code?: string): Promise<TemplateRow[]> {
    return this.db.query<TemplateRow>(
      `SELECT t.id, t.product_id, t.code, t.name, t.system,
              coalesce(array_agg(p.code ORDER BY p.code) FILTER (WHERE p.code IS NOT NULL), '{}') AS privileges
         FROM aventian.tbl_role_templates t
         LEFT JOIN aventian.tbl_role_template_privileges tp ON tp.template_id = t.id
         LEFT JOIN aventian.tbl_privileges p ON p.id = tp.privilege_id
        WHERE t.product_id = $1 AND ($2::text IS NULL OR t.code = $2)
        GROUP BY t.id ORDER BY t.code`,
      [productId, code ?? null],
    );
  }
}

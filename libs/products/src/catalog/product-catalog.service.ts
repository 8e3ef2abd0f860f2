import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { Errors } from '@avn/common';
import { DatabaseService, newId } from '@avn/database';
import { AccessInvalidator } from '@avn/user-details';
import { CreatePrivilegeDto, CreateRoleTemplateDto, PrivilegeDto, RoleTemplateDto } from './products.dto';
import { PrivilegeRow, ProductRow, ProductsRepository, TemplateRow } from './products.repository';
import { ProductsService } from './products.service';
import { TemplateRolesRepository } from './template-roles.repository';

const toPrivilegeDto = (r: PrivilegeRow): PrivilegeDto => ({
  code: r.code,
  id: r.id,
  resourceType: r.resource_type,
  action: r.action,
  description: r.description,
  createdAt: r.created_at.toISOString(),
});

const toTemplateDto = (t: TemplateRow): RoleTemplateDto => ({
  id: t.id,
  code: t.code,
  name: t.name,
  system: t.system,
  privileges: t.privileges,
});

/** A product's privileges and role templates, and keeping the team roles made from templates in step. */
@Injectable()
export class ProductCatalogService {
  constructor(
    private readonly db: DatabaseService,
    private readonly products: ProductsService,
    private readonly repo: ProductsRepository,
    private readonly templateRoles: TemplateRolesRepository,
    private readonly audit: AuditService,
    private readonly invalidator: AccessInvalidator,
  ) {}

  async createPrivilege(productCode: string, input: CreatePrivilegeDto): Promise<PrivilegeDto> {
    return this.db.asPlatform(async () => {
      const product = await this.products.require(productCode, true); // locks against a concurrent allowedResourceTypes change
      if (!product.allowed_resource_types.includes(input.resourceType)) {
        throw Errors.unprocessable(
          'RESOURCE_TYPE_NOT_ALLOWED',
          `Resource type "${input.resourceType}" is not allowed for product ${product.code}`,
        );
      }
      const row = await this.repo.insertPrivilege({
        id: newId(),
        productId: product.id,
        resourceType: input.resourceType,
        action: input.action,
        description: input.description ?? null,
      });
      if (!row) throw Errors.conflict('PRIVILEGE_EXISTS', `Privilege ${input.resourceType}:${input.action} already exists`);
      await this.audit.record({
        action: 'product.privilege.created',
        targetType: 'privilege',
        targetId: row.id,
        data: { productCode: product.code, code: row.code },
      });
      return toPrivilegeDto(row);
    });
  }

  async listPrivileges(productCode: string): Promise<{ items: PrivilegeDto[]; nextCursor: null }> {
    const product = await this.products.require(productCode);
    return { items: (await this.repo.listPrivileges(product.id)).map(toPrivilegeDto), nextCursor: null };
  }

  async createTemplate(productCode: string, input: CreateRoleTemplateDto): Promise<RoleTemplateDto> {
    return this.db.asPlatform(async () => {
      const product = await this.products.require(productCode, true);
      const privilegeIds = await this.privilegeIds(product, input.privileges);
      const created = await this.repo.insertTemplate({
        id: newId(),
        productId: product.id,
        code: input.code,
        name: input.name,
        system: input.system ?? false,
      });
      if (!created) throw Errors.conflict('ROLE_TEMPLATE_EXISTS', `Role template "${input.code}" already exists`);
      await this.repo.setTemplatePrivileges(created.id, privilegeIds);
      // Teams already subscribed get the new role too ("every team that subscribes gets a role per template").
      const roles = await this.templateRoles.instantiateTemplateForSubscribers(created.id, product.id);
      await this.audit.record({
        action: 'product.role_template.created',
        targetType: 'role_template',
        targetId: created.id,
        data: { productCode: product.code, code: input.code, privileges: [...input.privileges].sort() },
      });
      await this.invalidate(product.id, roles);
      return toTemplateDto((await this.repo.listTemplates(product.id, input.code))[0]);
    });
  }

  async listTemplates(productCode: string): Promise<{ items: RoleTemplateDto[]; nextCursor: null }> {
    const product = await this.products.require(productCode);
    return { items: (await this.repo.listTemplates(product.id)).map(toTemplateDto), nextCursor: null };
  }

  /** Replaces a template's privileges and updates every team role made from it, in one transaction. */
  async setTemplatePrivileges(productCode: string, templateCode: string, privileges: string[]): Promise<RoleTemplateDto> {
    return this.db.asPlatform(async () => {
      const product = await this.products.require(productCode, true);
      const [template] = await this.repo.listTemplates(product.id, templateCode);
      if (!template) throw Errors.notFound('Role template');
      const privilegeIds = await this.privilegeIds(product, privileges);
      await this.repo.setTemplatePrivileges(template.id, privilegeIds);
      const roles = await this.templateRoles.syncPrivileges({ productId: product.id, templateId: template.id });
      await this.audit.record({
        action: 'product.role_template.updated',
        targetType: 'role_template',
        targetId: template.id,
        data: { productCode: product.code, code: templateCode, privileges: [...privileges].sort(), teamRolesChanged: roles.length },
      });
      await this.invalidate(product.id, roles);
      return toTemplateDto((await this.repo.listTemplates(product.id, templateCode))[0]);
    });
  }

  /** Every code must be a privilege of THIS product (422 otherwise). */
  private async privilegeIds(product: ProductRow, codes: string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const found = await this.repo.privilegesByCodes(product.id, codes);
    const known = new Set(found.map((p) => p.code));
    const unknown = codes.filter((c) => !known.has(c));
    if (unknown.length) {
      throw Errors.unprocessable(
        'UNKNOWN_PRIVILEGE',
        `Not privileges of product ${product.code}: ${unknown.join(', ')}`,
        unknown.map((code) => ({ field: 'privileges', message: `unknown privilege ${code}`, code })),
      );
    }
    return found.map((p) => p.id);
  }

  private async invalidate(productId: string, roleIds: string[]): Promise<void> {
    await this.invalidator.productChanged(productId);
    for (const roleId of roleIds) await this.invalidator.roleChanged(roleId);
  }
}

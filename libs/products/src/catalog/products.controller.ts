import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentActor, CurrentUser, Errors, PageQueryDto, isUuid } from '@avn/common';
import type { Actor, UserActor } from '@avn/common';
import { ProductCatalogService } from './product-catalog.service';
import {
  CreateApiKeyDto,
  CreatedApiKeyDto,
  CreatePrivilegeDto,
  CreateProductDto,
  CreateRoleTemplateDto,
  ProductDto,
  PrivilegeDto,
  RoleTemplateDto,
  SetTemplatePrivilegesDto,
  UpdateProductDto,
} from './products.dto';
import { ProductsService } from './products.service';

const CODE_RE = /^[a-z][a-z0-9-]{1,62}$/;
const TEMPLATE_CODE_RE = /^[a-z][a-z0-9._-]{0,62}$/;

/** A malformed code can name nothing: 404 like an unknown one. */
function productCode(code: string): string {
  if (!CODE_RE.test(code)) throw Errors.notFound('Product');
  return code;
}

@ApiTags('products')
@Controller('v1/products')
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly catalog: ProductCatalogService,
  ) {}

  @Post()
  @Authenticated({ platformAdmin: true })
  @ApiCreatedResponse({ type: ProductDto })
  create(@Body() body: CreateProductDto): Promise<ProductDto> {
    return this.products.create(body);
  }

  /** Any signed-in user sees the active catalog; platform admins also see retired products and provisioning scripts. */
  @Get()
  @Authenticated()
  async list(@Query() query: PageQueryDto, @CurrentUser() actor: UserActor) {
    return this.products.list(actor.platformAdmin, query.cursor, query.limit ?? 50);
  }

  @Get(':code')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: ProductDto })
  get(@Param('code') code: string): Promise<ProductDto> {
    return this.products.get(productCode(code));
  }

  @Patch(':code')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: ProductDto })
  update(@Param('code') code: string, @Body() body: UpdateProductDto): Promise<ProductDto> {
    return this.products.update(productCode(code), body);
  }

  // --- privileges ---

  @Post(':code/privileges')
  @Authenticated({ platformAdmin: true })
  @ApiCreatedResponse({ type: PrivilegeDto })
  createPrivilege(@Param('code') code: string, @Body() body: CreatePrivilegeDto): Promise<PrivilegeDto> {
    return this.catalog.createPrivilege(productCode(code), body);
  }

  /** Platform admin, or the product's own key (another product's key gets 404, never a hint). */
  @Get(':code/privileges')
  @Authenticated({ platformAdmin: true, product: true })
  listPrivileges(@Param('code') code: string, @CurrentActor() actor: Actor): Promise<{ items: PrivilegeDto[]; nextCursor: null }> {
    if (actor.kind === 'product' && actor.productCode !== code) throw Errors.notFound('Product');
    return this.catalog.listPrivileges(productCode(code));
  }

  // --- role templates ---

  @Post(':code/role-templates')
  @Authenticated({ platformAdmin: true })
  @ApiCreatedResponse({ type: RoleTemplateDto })
  createTemplate(@Param('code') code: string, @Body() body: CreateRoleTemplateDto): Promise<RoleTemplateDto> {
    return this.catalog.createTemplate(productCode(code), body);
  }

  @Get(':code/role-templates')
  @Authenticated({ platformAdmin: true })
  listTemplates(@Param('code') code: string): Promise<{ items: RoleTemplateDto[]; nextCursor: null }> {
    return this.catalog.listTemplates(productCode(code));
  }

  /** Replaces a template's privileges; every team role made from it follows in the same transaction. */
  @Put(':code/role-templates/:templateCode/privileges')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: RoleTemplateDto })
  setTemplatePrivileges(
    @Param('code') code: string,
    @Param('templateCode') templateCode: string,
    @Body() body: SetTemplatePrivilegesDto,
  ): Promise<RoleTemplateDto> {
    if (!TEMPLATE_CODE_RE.test(templateCode)) throw Errors.notFound('Role template');
    return this.catalog.setTemplatePrivileges(productCode(code), templateCode, body.privileges);
  }

  // --- API keys ---

  @Post(':code/api-keys')
  @Authenticated({ platformAdmin: true })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  createApiKey(@Param('code') code: string, @Body() body: CreateApiKeyDto, @CurrentUser() actor: UserActor): Promise<CreatedApiKeyDto> {
    return this.products.createApiKey(productCode(code), body.name, actor.userId);
  }

  @Get(':code/api-keys')
  @Authenticated({ platformAdmin: true })
  listApiKeys(@Param('code') code: string) {
    return this.products.listApiKeys(productCode(code));
  }

  @Delete(':code/api-keys/:keyId')
  @Authenticated({ platformAdmin: true })
  @HttpCode(204)
  async revokeApiKey(@Param('code') code: string, @Param('keyId') keyId: string): Promise<void> {
    if (!isUuid(keyId)) throw Errors.notFound('API key');
    await this.products.revokeApiKey(productCode(code), keyId);
  }
}

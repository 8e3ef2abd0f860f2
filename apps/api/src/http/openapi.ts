import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { addUserDetailsOpenApi, USER_DETAILS_OPENAPI_MODELS } from '@avn/user-details';

/** The OpenAPI document of the running API (controllers, plus the hot GetUserDetails route). */
export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Aventian control plane')
      .setDescription('Teams, users, RBAC, products, subscriptions, GetUserDetails and audit. See shared/contract/api-v1.md.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'User access token (JWT) or product key (avn_pk_...)' })
      .build(),
    { extraModels: USER_DETAILS_OPENAPI_MODELS },
  );
  addUserDetailsOpenApi(document);
  return document;
}

/** Serves the document at /docs (Swagger UI) and /docs-json. */
export function serveOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return document;
}

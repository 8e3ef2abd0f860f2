import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@avn/common';
import { AppConfig } from '@avn/config';
import { OIDC_STATE_TTL_SECONDS, SsoLoginResult, SsoService } from './sso.service';

@ApiTags('auth')
@Controller('v1/auth/oidc')
export class SsoController {
  constructor(
    private readonly sso: SsoService,
    private readonly config: AppConfig,
  ) {}

  @Get(':provider')
  @Public()
  @ApiFoundResponse({ description: "Redirect to the identity provider's authorization endpoint" })
  async start(@Param('provider') provider: string, @Res() reply: FastifyReply): Promise<void> {
    const { location, cookieName, cookieValue } = await this.sso.start(provider);
    const secure = this.config.publicUrl.startsWith('https:') ? '; Secure' : '';
    // SameSite=Lax: the cookie must travel on the IdP's top-level redirect back to the callback.
    reply
      .code(302)
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        `${cookieName}=${cookieValue}; Path=/v1/auth/oidc/; Max-Age=${OIDC_STATE_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure}`,
      )
      .header('location', location)
      .send();
  }

  @Get(':provider/callback')
  @Public()
  @ApiOkResponse({ description: '{accessToken, refreshToken, user, activeTeamId}' })
  async callback(
    @Param('provider') provider: string,
    @Query() query: Record<string, string>,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SsoLoginResult> {
    reply.header('cache-control', 'no-store');
    const params = Object.fromEntries(Object.entries(query ?? {}).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    return this.sso.callback(provider, params, parseCookies(request.headers.cookie));
  }
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return cookies;
}

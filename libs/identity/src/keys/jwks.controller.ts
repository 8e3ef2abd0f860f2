import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@avn/common';
import { KeyRing } from './key-ring.service';

@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeyRing) {}

  @Get('jwks.json')
  @Public()
  // Short cache: verifiers pick up a rotation quickly (and re-fetch on an unknown kid anyway).
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({ summary: 'Public keys (JWKS) that verify access tokens' })
  jwks() {
    return this.keys.jwks();
  }
}

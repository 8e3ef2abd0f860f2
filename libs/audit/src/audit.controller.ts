import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Errors } from '@avn/common';
import type { UserActor } from '@avn/common';
import { CSV_COLUMNS, exportStream } from './audit-export';
import { AuditQueryService } from './audit-query.service';
import { AuditSigner } from './audit-signer';
import { AuditVerifier } from './audit-verifier';
import { AuditAnchors } from './audit-anchors';
import {
  ActivityPageDto,
  ActivityQueryDto,
  AuditEventPageDto,
  AuditEventsQueryDto,
  AuditExportQueryDto,
  AuditVerifyQueryDto,
  AuditVerifyResultDto,
  SigningKeysDto,
} from './audit.dto';

/**
 * Who may read which part of the trail: a platform admin everything (all teams unless `teamId`
 * narrows it); anyone else one team's events and activity, named by the `teamId` query parameter,
 * when they hold `team.audit:read` there (team owners do implicitly). The AuthGuard decides it:
 * not a member → 404, member without the privilege → 403, no `teamId` → 400.
 */
const READ_TRAIL = { privilege: 'team.audit:read', teamQuery: 'teamId' } as const;

/** The team filter the guard authorised: the named team, or undefined (all teams) for a platform admin. */
function trailScope(actor: UserActor, teamId: string | undefined): string | undefined {
  if (actor.platformAdmin) return teamId;
  if (!actor.team) throw Errors.forbidden(); // unreachable past the guard: never widen to all teams
  return actor.team.teamId;
}

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly query: AuditQueryService,
    private readonly verifier: AuditVerifier,
    private readonly anchors: AuditAnchors,
    private readonly signer: AuditSigner,
  ) {}

  @Get('events')
  @Authenticated(READ_TRAIL)
  @ApiOkResponse({ type: AuditEventPageDto })
  async events(@CurrentUser() actor: UserActor, @Query() q: AuditEventsQueryDto): Promise<AuditEventPageDto> {
    const teamId = trailScope(actor, q.teamId);
    return this.query.listEvents({ teamId, action: q.action, actorId: q.actorId, from: q.from, to: q.to }, q.cursor, q.limit ?? 50);
  }

  @Get('events/export')
  @Authenticated({ platformAdmin: true })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @Header('Cache-Control', 'no-store')
  exportEvents(@Query() q: AuditExportQueryDto): StreamableFile {
    const format = q.format ?? 'ndjson';
    const lines = this.query.streamExportLines({ teamId: q.teamId, action: q.action, actorId: q.actorId, from: q.from, to: q.to }, format);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, 'Z');
    const header = format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '';
    async function* withHeader(): AsyncGenerator<string> {
      if (header) yield header;
      yield* lines;
    }
    return new StreamableFile(exportStream(withHeader()), {
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="audit-events-${stamp}.${format}"`,
    });
  }

  @Get('activity')
  @Authenticated(READ_TRAIL)
  @ApiOkResponse({ type: ActivityPageDto })
  async activity(@CurrentUser() actor: UserActor, @Query() q: ActivityQueryDto): Promise<ActivityPageDto> {
    const teamId = trailScope(actor, q.teamId);
    return this.query.listActivity(
      { teamId, userEmail: q.userEmail, productId: q.productId, action: q.action, from: q.from, to: q.to },
      q.cursor,
      q.limit ?? 50,
    );
  }

  @Get('verify')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: AuditVerifyResultDto })
  async verify(@Query() q: AuditVerifyQueryDto): Promise<AuditVerifyResultDto> {
    const teamId = q.teamId === undefined ? undefined : q.teamId === 'platform' ? null : q.teamId.toLowerCase();
    const r = await this.verifier.verify(teamId);
    const chainOf = (t: string | null | undefined) => (t === undefined ? undefined : (t ?? 'platform'));
    if (!r.ok)
      return { ok: false, checked: r.checked, firstBrokenId: r.firstBrokenId, reason: r.reason, chain: chainOf(r.teamId), seq: r.seq };
    if (q.anchors !== 'true') return { ok: true, checked: r.checked };
    // The database's own chain holds; now compare it with the anchors outside it.
    const a = await this.anchors.verify(teamId);
    return a.ok
      ? { ok: true, checked: r.checked, anchorsChecked: a.checked }
      : {
          ok: false,
          checked: r.checked,
          anchorsChecked: a.checked,
          firstBrokenId: a.firstBrokenId,
          reason: a.reason,
          chain: chainOf(a.teamId),
          seq: a.seq,
          sinceSeq: a.sinceSeq,
        };
  }

  /** Public halves of the checkpoint signing keys, to verify checkpoints independently. */
  @Get('signing-keys')
  @Authenticated({ platformAdmin: true })
  @ApiOkResponse({ type: SigningKeysDto })
  async signingKeys(): Promise<SigningKeysDto> {
    return { items: await this.signer.listPublicKeys() };
  }
}

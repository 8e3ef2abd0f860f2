import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '@avn/config';
import { normalizeEmail, UsersService } from '@avn/identity';
import { PlatformAdminsService } from '@avn/rbac';

export interface BootstrapResult {
  /** Set only when this start created the admin. */
  created?: { email: string; generatedPassword?: string };
}

const EMBEDDED_ADMIN_EMAIL = 'admin@localhost';

/**
 * Creates the first platform admin on an empty installation: from AVN_BOOTSTRAP_ADMIN_EMAIL /
 * AVN_BOOTSTRAP_ADMIN_PASSWORD, or (embedded default only) admin@localhost with a random password
 * that is printed once. Idempotent: does nothing once any platform admin exists (rbac serialises
 * instances starting together). The account goes through UsersService (an existing account of the
 * address is promoted, its password unchanged); the grant is audited.
 */
@Injectable()
export class BootstrapAdminService {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly admins: PlatformAdminsService,
  ) {}

  async run(): Promise<BootstrapResult> {
    const configured = this.config.AVN_BOOTSTRAP_ADMIN_EMAIL && this.config.AVN_BOOTSTRAP_ADMIN_PASSWORD;
    if (!configured && !this.config.isEmbeddedDatabase) return {};
    const email = configured ? this.config.AVN_BOOTSTRAP_ADMIN_EMAIL! : EMBEDDED_ADMIN_EMAIL;
    const generatedPassword = configured ? undefined : randomBytes(18).toString('base64url');
    const password = configured ? this.config.AVN_BOOTSTRAP_ADMIN_PASSWORD! : generatedPassword!;

    const admin = await this.admins.bootstrapFirst(async () => {
      const { user } = await this.users.provisionAccount({ email, displayName: 'Platform admin', password });
      return { userId: user.id, email: normalizeEmail(email) };
    });
    if (!admin) return {};
    this.logger.log(`created the first platform admin ${admin.email}`);
    return { created: { email: admin.email, generatedPassword } };
  }
}

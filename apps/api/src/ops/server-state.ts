import { Injectable } from '@nestjs/common';

/** Whether this instance is draining (SIGTERM received): readiness turns 503 before anything else stops. */
@Injectable()
export class ServerState {
  private draining = false;

  get shuttingDown(): boolean {
    return this.draining;
  }

  beginShutdown(): void {
    this.draining = true;
  }
}

import { Global, Module } from '@nestjs/common';
import { KeyCheckStore } from '@avn/crypto';
import { KekChecksRepository } from './kek-checks.repository';

/** Gives CryptoModule the database's key checks, so every KEK is checked against the data before use. */
@Global()
@Module({
  providers: [{ provide: KeyCheckStore, useClass: KekChecksRepository }],
  exports: [KeyCheckStore],
})
export class KeyCheckModule {}

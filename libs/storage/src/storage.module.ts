import { Module } from '@nestjs/common';
import { AppConfig } from '@avn/config';
import { createObjectStore } from './create-object-store';
import { ObjectStore } from './object-store';

/** Provides the configured ObjectStore (one instance per application). */
@Module({
  providers: [{ provide: ObjectStore, inject: [AppConfig], useFactory: createObjectStore }],
  exports: [ObjectStore],
})
export class StorageModule {}

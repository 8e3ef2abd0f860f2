import { uuidv7 } from 'uuidv7';

/** New primary key: UUIDv7 (time-ordered, index friendly). */
export const newId = (): string => uuidv7();

#!/usr/bin/env node
// Test variant: never finishes in time (the runner must kill it at PROVISIONING_TIMEOUT_MS).
'use strict';
setTimeout(() => {
  process.stdout.write(JSON.stringify({ connectionString: 'postgres://late@db.internal/late' }) + '\n');
}, 600000);

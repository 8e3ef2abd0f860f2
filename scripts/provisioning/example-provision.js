#!/usr/bin/env node
// Example provisioning script. Called as: example-provision.js <teamId> <productCode>
// with a minimal environment (PATH only). It must print ONE JSON object on stdout:
//   {"connectionString": "postgres://..."}
// and exit 0. Anything else (non-zero exit, bad JSON, timeout) marks the subscription failed.
// A real script would create a database/schema and a role for the team here.
'use strict';

const [teamId, productCode] = process.argv.slice(2);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!UUID_RE.test(teamId || '') || !/^[a-z][a-z0-9-]{1,62}$/.test(productCode || '')) {
  process.stderr.write('usage: example-provision.js <teamId> <productCode>\n');
  process.exit(2);
}

const { randomBytes } = require('node:crypto');
const db = `${productCode.replace(/-/g, '_')}_${teamId.replace(/-/g, '').slice(0, 16)}`;
const password = randomBytes(18).toString('base64url');
process.stdout.write(JSON.stringify({ connectionString: `postgres://${db}:${password}@db.internal:5432/${db}` }) + '\n');

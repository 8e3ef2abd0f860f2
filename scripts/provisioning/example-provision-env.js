#!/usr/bin/env node
// Test variant: reports which environment variables it received (as the "connection string"), so a
// test can prove the runner passes PATH only and never the control plane's secrets.
'use strict';
process.stdout.write(JSON.stringify({ connectionString: `env:${Object.keys(process.env).sort().join(',')}` }) + '\n');

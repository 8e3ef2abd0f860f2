#!/usr/bin/env node
// Test variant: fails the way a broken provisioning script would (noise on both streams, exit 1).
'use strict';
process.stdout.write('creating database... SECRET-OUTPUT-should-never-be-logged\n');
process.stderr.write('FATAL: could not connect to provisioning backend (password=hunter2)\n');
process.exit(1);

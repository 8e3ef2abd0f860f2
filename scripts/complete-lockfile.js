#!/usr/bin/env node
/*
 * Adds the lockfile records of platform-specific optional packages that npm leaves out when the
 * registry it talks to serves only the current platform's binaries (this workplace's mirror does).
 * Without them `npm ci` refuses the lockfile ("Missing: … from lock file"); with them it skips the
 * packages whose os/cpu do not match, as it does for any optional platform binary.
 * Run after every `npm install` that changes package-lock.json: `node scripts/complete-lockfile.js`.
 */
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));

/** os/cpu/libc of a napi-rs style binding, from the suffix of its name. */
function platformOf(suffix) {
  const table = [
    [/^android-arm-eabi$/, { os: ['android'], cpu: ['arm'] }],
    [/^android-arm64$/, { os: ['android'], cpu: ['arm64'] }],
    [/^darwin-arm64$/, { os: ['darwin'], cpu: ['arm64'] }],
    [/^darwin-x64$/, { os: ['darwin'], cpu: ['x64'] }],
    [/^darwin-universal$/, { os: ['darwin'] }],
    [/^freebsd-x64$/, { os: ['freebsd'], cpu: ['x64'] }],
    [/^freebsd-arm64$/, { os: ['freebsd'], cpu: ['arm64'] }],
    [/^linux-([a-z0-9]+)-(gnu|gnueabihf)$/, (m) => ({ os: ['linux'], cpu: [m[1]], libc: ['glibc'] })],
    [/^linux-([a-z0-9]+)-(musl|musleabihf)$/, (m) => ({ os: ['linux'], cpu: [m[1]], libc: ['musl'] })],
    [/^openharmony-arm64$/, { os: ['openharmony'], cpu: ['arm64'] }],
    [/^wasm32-wasi$/, { cpu: ['wasm32'] }],
    [/^win32-arm64-msvc$/, { os: ['win32'], cpu: ['arm64'] }],
    [/^win32-ia32-msvc$/, { os: ['win32'], cpu: ['ia32'] }],
    [/^win32-x64-msvc$/, { os: ['win32'], cpu: ['x64'] }],
  ];
  for (const [re, value] of table) {
    const m = re.exec(suffix);
    if (m) return typeof value === 'function' ? value(m) : value;
  }
  return undefined;
}

let added = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const target = `node_modules/${name}`;
    if (lock.packages[target] || lock.packages[`${location}/node_modules/${name}`]) continue;
    const platform = platformOf(
      name
        .split('/')
        .pop()
        .replace(/^.*?-binding-/, ''),
    );
    if (!platform) continue; // not a platform binary: leave it to npm
    lock.packages[target] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
if (added > 0) {
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
  fs.writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`complete-lockfile: ${added} platform package record(s) added`);

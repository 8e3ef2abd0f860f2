/**
 * Load generator child of bench/details.bench.ts (plain JavaScript, so no ts-node overhead competes
 * with the server for the CPU): `node bench/load.js <spec.json>` runs autocannon with the spec
 * { url, key, connections, duration, paths: [...] } (requests cycle through `paths`) and prints one
 * JSON line of figures. Sampling the server's RSS is the parent's job.
 */
'use strict';
const { readFileSync } = require('node:fs');
const autocannon = require('autocannon');

async function main() {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  let i = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.duration,
    headers: { authorization: `Bearer ${spec.key}` },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: spec.paths[i++ % spec.paths.length] }) }],
  });
  process.stdout.write(
    `${JSON.stringify({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      p90: result.latency.p90,
      p999: result.latency.p99_9,
      max: result.latency.max,
      mean: result.latency.average,
      errors: result.errors,
      non2xx: result.non2xx,
      sent: i,
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`load failed: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});

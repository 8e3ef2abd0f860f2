/**
 * Wire format of a versioned entry, shared by both stores (the Redis Lua script parses the same):
 * a first line of space-separated `counterKey version` pairs, then the value.
 */
export function encodeVersioned(versions: ReadonlyArray<readonly [string, string]>, value: string): string {
  let header = '';
  for (const [k, v] of versions) {
    if (/[\s]/.test(k) || /[\s]/.test(v) || !k || !v) throw new Error(`bad versioned counter ${k}=${v}`);
    header += header ? ` ${k} ${v}` : `${k} ${v}`;
  }
  return `${header}\n${value}`;
}

export function parseVersioned(entry: string): { versions: Array<[string, string]>; value: string } | null {
  const nl = entry.indexOf('\n');
  if (nl < 0) return null;
  const parts = entry.slice(0, nl).split(' ');
  const versions: Array<[string, string]> = [];
  for (let i = 0; i + 1 < parts.length; i += 2) versions.push([parts[i], parts[i + 1]]);
  return { versions, value: entry.slice(nl + 1) };
}

import { CacheReadRecorder, RedisCacheStore } from '@avn/cache';
import type { VersionedRead } from './versioned-entries';
import { VersionedEntries } from './versioned-entries';
import { encodeVersioned } from './versioned-entry';

const READ_COMMAND = 'avnReadVersioned';

// Versioned read (see VersionedEntries.readVersioned). Counter keys live in the entry (unprefixed) and
// are prefixed here with ARGV[1]; they are not declared in KEYS, so this needs a standalone/Sentinel
// Redis (not Cluster), which is what the control plane supports.
const READ_VERSIONED_SCRIPT = `
local prefix = ARGV[1]
local e = redis.call('GET', KEYS[1])
local names, recorded = {}, {}
local nl, header = nil, false
if e then nl = string.find(e, '\\n', 1, true) end
if nl then
  header = string.sub(e, 1, nl - 1)
  for k, v in string.gmatch(header, '(%S+) (%S+)') do
    names[#names + 1] = k
    recorded[#recorded + 1] = v
  end
end
-- ONE MGET of every counter involved (the asked ones, then the entry's others, each once): the current
-- versions decide freshness and are what a miss returns; '0' when absent.
local slot, all = {}, {}
for i = 2, #ARGV do if not slot[ARGV[i]] then all[#all + 1] = ARGV[i] slot[ARGV[i]] = #all end end
for i = 1, #names do if not slot[names[i]] then all[#all + 1] = names[i] slot[names[i]] = #all end end
local values = {}
if #all > 0 then
  local full = {}
  for i = 1, #all do full[i] = prefix .. all[i] end
  values = redis.call('MGET', unpack(full))
  for i = 1, #all do values[i] = values[i] or '0' end
end
local fresh = #names > 0
for i = 1, #names do
  if values[slot[names[i]]] ~= recorded[i] then fresh = false break end
end
if fresh then
  -- The body is cut out only when served.
  local out = {1, string.sub(e, nl + 1), header}
  for i = 2, #ARGV do out[#out + 1] = ARGV[i] out[#out + 1] = values[slot[ARGV[i]]] end
  return out
end
local out = {0}
for i = 1, #all do out[#out + 1] = all[i] out[#out + 1] = values[i] end
return out`;

/**
 * Versioned entries on Redis: a read is ONE script call (entry and every counter it depends on, read
 * atomically, the body shipped only when served), batched with the turn's other hot-path commands by
 * the store; counter reads join the turn's one MGET; entry writes the turn's grouped SET.
 */
export class RedisVersionedEntries extends VersionedEntries {
  constructor(
    private readonly store: RedisCacheStore,
    private readonly recordRead: CacheReadRecorder = () => undefined,
  ) {
    super();
    store.defineScript(READ_COMMAND, READ_VERSIONED_SCRIPT, 1);
  }

  async readVersioned(key: string, counters: readonly string[]): Promise<VersionedRead> {
    let items: Array<string | number>;
    try {
      items = (await this.store.commandInTurn(READ_COMMAND, [key, this.store.keyPrefix, ...counters])) as Array<string | number>;
    } catch (error) {
      this.recordRead('error');
      throw error;
    }
    const hit = items[0] === 1;
    this.recordRead(hit ? 'hit' : 'miss');
    const versions = new Map<string, string>();
    for (let i = hit ? 3 : 1; i + 1 < items.length; i += 2) versions.set(items[i] as string, items[i + 1] as string);
    if (!hit) return { value: null, versions };
    const recorded: Array<[string, string]> = [];
    const header = (items[2] as string).split(' ');
    for (let i = 0; i + 1 < header.length; i += 2) recorded.push([header[i], header[i + 1]]);
    return { value: items[1] as string, versions, recorded };
  }

  async readCounters(counters: readonly string[]): Promise<string[]> {
    const values = await this.store.mgetInTurn(counters);
    return values.map((v) => v ?? '0');
  }

  writeVersioned(key: string, versions: ReadonlyArray<readonly [string, string]>, value: string, ttlSeconds: number): Promise<void> {
    return this.store.setInTurn(key, encodeVersioned(versions, value), ttlSeconds);
  }
}

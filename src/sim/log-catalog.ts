/**
 * Names and behaviour of the simulated logs, modelled on real log families so a default simulator
 * shows the variety pollers meet: Google (32 entries per get-entries), Let's Encrypt Oak (256,
 * coerced to aligned ranges), Cloudflare (1000), DigiCert and Sectigo (256), and static-ct logs.
 * Logs are temporal shards named after the half-year they cover (Argon2026h2, ...).
 */
import type { LogApi, SimLogConfig } from './sim-log.js';
import type { TemporalInterval } from './log-list-json.js';

interface LogFamily {
  name: string;
  operator: string;
  api: LogApi;
  batchLimit: number;
  alignGetEntries: boolean;
  /** Relative growth share (real logs differ a lot in size). */
  weight: number;
  /** "log" suffix in the description, as Google and Cloudflare write it. */
  describeAs: (shard: string) => string;
}

const RFC6962_FAMILIES: readonly LogFamily[] = [
  { name: 'Argon', operator: 'Google', api: 'rfc6962', batchLimit: 32, alignGetEntries: false, weight: 1.0, describeAs: (s) => `Google 'Argon${s}' log` },
  { name: 'Oak', operator: "Let's Encrypt", api: 'rfc6962', batchLimit: 256, alignGetEntries: true, weight: 1.0, describeAs: (s) => `Let's Encrypt 'Oak${s}' log` },
  { name: 'Nimbus', operator: 'Cloudflare', api: 'rfc6962', batchLimit: 1000, alignGetEntries: false, weight: 0.7, describeAs: (s) => `Cloudflare 'Nimbus${s}'` },
  { name: 'Wyvern', operator: 'DigiCert', api: 'rfc6962', batchLimit: 256, alignGetEntries: false, weight: 0.5, describeAs: (s) => `DigiCert 'Wyvern${s}' Log` },
  { name: 'Sabre', operator: 'Sectigo', api: 'rfc6962', batchLimit: 256, alignGetEntries: false, weight: 0.4, describeAs: (s) => `Sectigo 'Sabre${s}'` },
  { name: 'Xenon', operator: 'Google', api: 'rfc6962', batchLimit: 32, alignGetEntries: false, weight: 0.8, describeAs: (s) => `Google 'Xenon${s}' log` },
];

const TILED_FAMILIES: readonly LogFamily[] = [
  { name: 'Sycamore', operator: "Let's Encrypt", api: 'static-ct', batchLimit: 256, alignGetEntries: false, weight: 1.0, describeAs: (s) => `Let's Encrypt 'Sycamore${s}'` },
  { name: 'Tuscolo', operator: 'Geomys', api: 'static-ct', batchLimit: 256, alignGetEntries: false, weight: 0.6, describeAs: (s) => `Geomys 'Tuscolo${s}'` },
  { name: 'Halloumi', operator: 'IPng Networks', api: 'static-ct', batchLimit: 256, alignGetEntries: false, weight: 0.4, describeAs: (s) => `IPng Networks 'Halloumi${s}'` },
  { name: 'Willow', operator: "Let's Encrypt", api: 'static-ct', batchLimit: 256, alignGetEntries: false, weight: 0.8, describeAs: (s) => `Let's Encrypt 'Willow${s}'` },
];

/** A log to create: the catalogue's part of its SimLogConfig, plus the interval for the log list. */
export type PlannedLog = Pick<SimLogConfig, 'slug' | 'description' | 'operator' | 'api' | 'batchLimit' | 'alignGetEntries' | 'weight'> & {
  temporalInterval: TemporalInterval;
};

/** Half-year shard containing `ms`, shifted by `offset` half-years: "2026h2" and its interval. */
function shard(ms: number, offset: number): { label: string; interval: TemporalInterval } {
  const date = new Date(ms);
  const half = date.getUTCFullYear() * 2 + (date.getUTCMonth() >= 6 ? 1 : 0) + offset;
  const year = Math.floor(half / 2);
  const h = half % 2;
  const start = `${year}-${h === 0 ? '01' : '07'}-01T00:00:00Z`;
  const end = h === 0 ? `${year}-07-01T00:00:00Z` : `${year + 1}-01-01T00:00:00Z`;
  return { label: `${year}h${h + 1}`, interval: { start_inclusive: start, end_exclusive: end } };
}

/**
 * Plans `count` logs of one API, cycling through the families; repeated families get the next
 * shard. The first shard is the one covering certificates issued now (notAfter ≈ now + 90 days).
 */
function plan(families: readonly LogFamily[], count: number, now: number): PlannedLog[] {
  const out: PlannedLog[] = [];
  for (let i = 0; i < count; i++) {
    const family = families[i % families.length]!;
    const { label, interval } = shard(now + 90 * 24 * 3600 * 1000, Math.floor(i / families.length));
    out.push({
      slug: `${family.name.toLowerCase()}${label}`,
      description: `Simulated ${family.describeAs(label)}`,
      operator: `${family.operator} (simulated)`,
      api: family.api,
      batchLimit: family.batchLimit,
      alignGetEntries: family.alignGetEntries,
      weight: family.weight,
      temporalInterval: interval,
    });
  }
  return out;
}

export function planLogs(rfc6962Count: number, tiledCount: number, now: number): PlannedLog[] {
  return [...plan(RFC6962_FAMILIES, rfc6962Count, now), ...plan(TILED_FAMILIES, tiledCount, now)];
}

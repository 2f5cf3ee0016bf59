/**
 * Filter matching cost per certificate (FilterMatcher.match), by number and kind of distinct
 * filters, plus the cost of applying subscription changes and of RE2.Set at scale.
 *
 *   npm run bench -- match [--seconds-per-row 1]
 *
 * Memory is measured in fresh child processes (`match.js --probe ...`), since RSS in a process that
 * has already allocated and freed says little.
 *
 * Filters are built from a list of brand and phishing words (keywords: one to three per filter,
 * sometimes compounds like "paypal-login" or "apple2", so the distinct terms grow with the filter
 * count) and from realistic regex templates. Certificates: a synthetic corpus of 10 domains each
 * (the upper end of typical), and when the shared fixtures are present the real CT
 * precertificates' all_domains (mostly 1 or 2 domains, up to 137).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import RE2 from 're2';
import { FilterMatcher, type FilterSpec } from '../src/router/filter-matcher.js';
import { createRng, type Rng } from '../src/sim/rng.js';
import { sharedFixtures } from '../test/support/fixtures.js';
import { parsableFixtureCerts } from '../test/x509/fixture-certs.js';
import { parseBenchArgs } from './options.js';

// `--probe ...` is the internal command line of the memory probes' child processes.
const probeArgs = process.argv[2] === '--probe' ? process.argv.slice(3) : null;
const secondsPerRow =
  probeArgs === null
    ? parseBenchArgs({
        name: 'match',
        summary: 'filter matching with 10 / 1,000 / 10,000 filters (ns per certificate), subscription changes, RE2.Set at scale',
        options: { 'seconds-per-row': { type: 'number', default: 1, description: 'time spent measuring each row' } },
      })['seconds-per-row']
    : 0;

const WORDS = `paypal apple icloud itunes google gmail youtube microsoft office365 outlook hotmail live onedrive
azure amazon aws prime netflix hulu disney spotify facebook instagram whatsapp messenger twitter linkedin
dropbox adobe docusign zoom slack teams chase wellsfargo bankofamerica citibank hsbc barclays santander
lloyds natwest halifax monzo revolut wise venmo cashapp zelle stripe square coinbase binance kraken bitfinex
metamask trustwallet ledger trezor blockchain uniswap opensea steam epicgames roblox minecraft discord
telegram tiktok snapchat pinterest reddit yahoo aol ebay alibaba aliexpress walmart target costco bestbuy
ikea fedex ups dhl usps royalmail canadapost auspost irs hmrc ato gov secure login signin verify
verification account update support service billing payment wallet recovery unlock confirm authenticate
password reset helpdesk invoice refund bonus giftcard prize crypto bitcoin ethereum airdrop claim token
exchange trade bank credit loan mortgage insurance tax customs delivery parcel tracking shipping order
webmail mailbox portal intranet vpn remote citrix okta duo sso admin cpanel plesk wordpress wp shopify
magento godaddy namecheap cloudflare digitalocean heroku vercel netlify github gitlab bitbucket atlassian
jira confluence salesforce hubspot mailchimp sendgrid twilio oracle sap ibm intel nvidia samsung huawei
xiaomi sony nintendo playstation xbox battle blizzard riot valorant fortnite pubg tinder bumble match
booking airbnb expedia tripadvisor uber lyft doordash grubhub deliveroo justeat`.split(/\s+/);

const TLDS = ['.com', '.net', '.org', '.io', '.co', '.de', '.fr', '.co.uk', '.xyz', '.online', '.site', '.top', '.app', '.dev', '.info', '.ru'];

function keyword(rng: Rng): string {
  const word = rng.pick(WORDS);
  const roll = rng.next();
  if (roll < 0.5) return word;
  if (roll < 0.8) return `${word}${rng.pick(['-', '', '.'])}${rng.pick(WORDS)}`;
  return `${word}${rng.int(100)}`;
}

/** Regexes of the kinds people watch CT with; most have a literal the prefilter can use. */
function regex(rng: Rng, withLiteral: boolean): string {
  const w = rng.pick(WORDS);
  const w2 = rng.pick(WORDS);
  if (!withLiteral) {
    const a = 1 + rng.int(30);
    const b = 2 + rng.int(12);
    const cls = rng.pick(['[a-z]', '[a-z0-9]', '[0-9a-f]', '[a-z0-9-]', '[^.]', '\\w']);
    return rng.pick([
      `^${cls}{${a + 5},}\\.[a-z]{2,${b}}$`,
      `^(${cls}+\\.){${(a % 6) + 3},}[a-z]{${b}}$`,
      `^[0-9]{1,${a}}-${cls}{1,${b}}-[0-9]+\\.`,
      `^${cls}{${a}}[0-9]{${b}}\\.`,
      `^${cls}{${a + 20},}\\.[a-z]{${b}}`,
    ]);
  }
  return rng.pick([
    `^(www\\.)?${w}[0-9]*\\.`,
    `${w}.*(login|secure|verify)`,
    `^[a-z0-9-]*${w}[a-z0-9-]*\\.(com|net|org)$`,
    `(^|[.-])${w}-${w2}[.-]`,
    `\\.${w}\\.(tk|ml|ga|cf|gq)$`,
    `^${w}${rng.int(100)}-?[a-z]*\\.`,
    `(${w}|${w2})-?(support|help|service)`,
  ]);
}

type Kind = 'keywords' | 'regex' | 'regex without literals' | 'regex, literal .com/.net' | 'mixed';

/** `count` distinct filters of a kind (mixed: 90% keywords, 7% regexes, 3% both). */
function filters(kind: Kind, count: number, seed = 1): FilterSpec[] {
  const rng = createRng(seed);
  const keys = new Set<string>();
  const out: FilterSpec[] = [];
  while (out.length < count) {
    let spec: FilterSpec;
    const keywords = (): string[] => Array.from({ length: 1 + rng.int(3) }, () => keyword(rng));
    if (kind === 'keywords') spec = { keywords: keywords(), regex: [] };
    else if (kind === 'regex') spec = { keywords: [], regex: [regex(rng, rng.next() < 0.85)] };
    else if (kind === 'regex without literals') spec = { keywords: [], regex: [regex(rng, false)] };
    else if (kind === 'regex, literal .com/.net') {
      // Only literal: a TLD most domains have, so these regexes run as one RE2.Set per literal.
      spec = { keywords: [], regex: [`${regex(rng, false).replace(/\$$/, '')}\\.${rng.pick(['com', 'net'])}$`] };
    }
    else {
      const roll = rng.next();
      spec =
        roll < 0.9
          ? { keywords: keywords(), regex: [] }
          : roll < 0.97
            ? { keywords: [], regex: [regex(rng, rng.next() < 0.85)] }
            : { keywords: keywords(), regex: [regex(rng, true)] };
    }
    const key = FilterMatcher.canonicalKey(spec);
    if (keys.has(key)) continue;
    keys.add(key);
    out.push(spec);
  }
  return out;
}

function syllables(rng: Rng): string {
  const parts = ['ka', 'lo', 'mi', 'tor', 'an', 'el', 'su', 'ri', 'ven', 'da', 'po', 'net', 'ix', 'ul', 'bra', 'co'];
  let s = '';
  for (let i = 0, n = 2 + rng.int(4); i < n; i++) s += rng.pick(parts);
  return s;
}

/** Certificates of `perCert` synthetic domains; about 3% of domains carry a watched word. */
function syntheticCertificates(count: number, perCert: number): string[][] {
  const rng = createRng(42);
  const certs: string[][] = [];
  for (let c = 0; c < count; c++) {
    const base = `${syllables(rng)}${rng.next() < 0.3 ? rng.int(1000) : ''}${rng.pick(TLDS)}`;
    const domains: string[] = [];
    for (let d = 0; d < perCert; d++) {
      const label = rng.pick(['www', 'mail', 'api', 'cdn', 'app', '*', 'shop', 'dev', 'static', syllables(rng), `srv${rng.int(100)}`]);
      const watched = rng.next() < 0.03 ? `${rng.pick(WORDS)}-` : '';
      domains.push(`${label}.${watched}${d === 0 ? '' : `${syllables(rng)}.`}${base}`.replace('*.', rng.next() < 0.5 ? '*.' : ''));
    }
    certs.push(domains);
  }
  return certs;
}

/** Domains made of watched words, like phishing names: they keep many regex prefixes alive. */
function phishyDomains(count: number): string[] {
  const rng = createRng(7);
  return Array.from({ length: count }, () => `${rng.pick(['', 'www.', 'secure-'])}${rng.pick(WORDS)}${rng.int(5000)}-${rng.pick(WORDS)}.${syllables(rng)}${rng.pick(TLDS)}`);
}

function realCertificates(): string[][] | null {
  if (sharedFixtures.missing) return null;
  return parsableFixtureCerts()
    .filter(({ cert }) => !cert.is_ca && cert.all_domains.length > 0)
    .map(({ cert }) => cert.all_domains);
}

/** Mean ns per certificate of matching `certs`, repeating passes for about `seconds`. */
function measure(matcher: FilterMatcher, certs: readonly string[][], seconds: number): { ns: number; matches: number } {
  let matches = 0;
  const onMatch = (): void => {
    matches++;
  };
  for (const domains of certs) matcher.match(domains, onMatch); // warm-up: JIT, RE2 DFA caches
  matches = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (const domains of certs) matcher.match(domains, onMatch);
    done += certs.length;
  }
  return { ns: Number(process.hrtime.bigint() - start) / done, matches: matches / done };
}

function micros(work: () => void, repeat = 1): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeat; i++) work();
  return Number(process.hrtime.bigint() - start) / 1e3 / repeat;
}

function table(header: string[], rows: (string | number)[][]): void {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? Math.round(cell).toLocaleString('en-US') : cell)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]): string => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of cells) console.log(line(row));
  console.log();
}

function matchingTable(): void {
  const corpora: [string, string[][]][] = [['synthetic, 10 domains', syntheticCertificates(2000, 10)]];
  const real = realCertificates();
  if (real) corpora.push([`real CT precerts (${real.length}, avg ${(real.flat().length / real.length).toFixed(1)} domains)`, real]);
  else console.log(`(real-certificate corpus skipped: ${String(sharedFixtures.missing)})\n`);

  const rows: (string | number)[][] = [];
  const scenarios: [Kind, number][] = [
    ['keywords', 10], ['keywords', 1000], ['keywords', 10000],
    ['regex', 10], ['regex', 1000], ['regex', 10000],
    ['regex without literals', 10], ['regex without literals', 1000],
    ['regex, literal .com/.net', 1000],
    ['mixed', 10], ['mixed', 1000], ['mixed', 10000],
  ];
  for (const [kind, count] of scenarios) {
    const matcher = new FilterMatcher();
    for (const spec of filters(kind, count)) matcher.acquire(spec);
    matcher.rebuild();
    const stats = matcher.stats();
    for (const [label, certs] of corpora) {
      const { ns, matches } = measure(matcher, certs, secondsPerRow);
      rows.push([kind, count, label, ns, matches.toFixed(2), stats.terms.baseTerms, stats.regexes, stats.unfilteredRegexes.patterns, stats.unfilteredRegexes.shards, stats.literalGroups]);
    }
  }
  console.log('## Matching cost per certificate\n');
  table(['filters', 'count', 'certificates', 'ns/cert', 'matches/cert', 'terms', 'regexes', 'in shards', 'shards', 'literal groups'], rows);
}

/** JS heap and RSS after garbage collection, in MiB. */
function settledMemory(): { heap: number; rss: number } {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed / 2 ** 20, rss: rss / 2 ** 20 };
}

function changesTable(): void {
  const certs = syntheticCertificates(200, 10);
  const rows: (string | number)[][] = [];
  const specs = filters('mixed', 10000);
  const matcher = new FilterMatcher();
  rows.push(['acquire 10,000 mixed filters (validation, regex compiles)', micros(() => specs.forEach((s) => matcher.acquire(s))), '']);
  rows.push(['first match after that (builds everything)', micros(() => matcher.match(certs[0]!, () => undefined)), '']);
  rows.push(['rebuild(): all terms into one automaton (full rebuild)', micros(() => matcher.rebuild(), 5), '']);

  // Churn: a new subscription arrives (and, at steady state, one of the recent ones leaves); the
  // change is then applied as the next match would. Mean and worst case per change.
  const churn = (label: string, next: (i: number) => FilterSpec, keep: number): void => {
    matcher.rebuild();
    const recent: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      times.push(
        micros(() => {
          recent.push(matcher.acquire(next(i)));
          if (recent.length > keep) matcher.release(recent.shift()!);
          matcher.refresh();
        }),
      );
    }
    for (const id of recent) matcher.release(id);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    rows.push([label, mean, Math.max(...times)]);
  };
  const rng = createRng(9);
  const known = [...new Set(specs.flatMap((s) => s.keywords.map((k) => k.toLowerCase())))];
  churn('steady: new filter, keywords already known', () => ({ keywords: [rng.pick(known), rng.pick(known)], regex: [] }), 50);
  churn('steady: new filter, new keywords', (i) => ({ keywords: [`${keyword(rng)}-${i}x`, keyword(rng)], regex: [] }), 50);
  churn('growth: 2,000 new filters with new keywords kept', (i) => ({ keywords: [`${keyword(rng)}-${i}y`, keyword(rng)], regex: [] }), Infinity);
  churn('steady: new filter, new regex with literals', (i) => ({ keywords: [], regex: [`${regex(rng, true)}|^x${i}y`] }), 50);
  churn('steady: new filter, new literal-free regex', (i) => ({ keywords: [], regex: [`^[a-z]{${3 + (i % 40)},}[0-9]{${1 + (i % 97)}}\\.`] }), 50);
  micros(() => matcher.match(certs[rng.int(certs.length)]!, () => undefined), 2000); // applies the last changes
  const lookups = micros(() => matcher.match(certs[rng.int(certs.length)]!, () => undefined), 20000);
  rows.push(['match after the churn (per 10-domain certificate)', lookups, '']);

  console.log('## Subscription changes at 10,000 mixed filters\n');
  table(['operation', 'mean µs', 'max µs'], rows);
  const stats = matcher.stats();
  console.log(
    `after the churn: automata ${(stats.terms.bytes / 2 ** 20).toFixed(1)} MiB; ${stats.regexes} distinct regexes, ${stats.unfilteredRegexes.patterns} of them in ` +
      `${stats.unfilteredRegexes.shards} RE2.Set shards (${stats.unfilteredRegexes.compiles} shard compiles); ` +
      `${stats.terms.baseBuilds} base and ${stats.terms.deltaBuilds} delta automaton builds\n`,
  );
}

/** RE2.Set patterns of a family: anchored literal-free ones, or unanchored `w1.*w2N`. */
function setPatterns(family: string, count: number): string[] {
  if (family === 'anchored') return filters('regex without literals', count, 3).map((s) => s.regex[0]!);
  const rng = createRng(5);
  if (family === 'w1.*w2N') return Array.from({ length: count }, (_, i) => `${rng.pick(WORDS)}.*${rng.pick(WORDS)}${i}`);
  // Realistic shapes, each made unique by a number.
  return Array.from({ length: count }, (_, i) => {
    const w = rng.pick(WORDS);
    const w2 = rng.pick(WORDS);
    return [
      `^${w}[0-9]{0,3}\\.${w2}${i}\\.`,
      `(${w}|${w2})-?${i}(login|secure)`,
      `\\.${w}${i}\\.(com|net|org)$`,
      `^[a-z0-9-]+\\.${w}-${w2}${i}\\.`,
      `${w}.*${w2}${i}`,
      `^(www\\.)?${w}${i}[a-z]*\\.`,
    ][i % 6]!;
  });
}

function buildSets(patterns: readonly string[], shardSize: number): InstanceType<typeof RE2.Set>[] {
  const sets: InstanceType<typeof RE2.Set>[] = [];
  for (let i = 0; i < patterns.length; i += shardSize) sets.push(new RE2.Set(patterns.slice(i, i + shardSize), 'u'));
  return sets;
}

function nsPerDomain(sets: readonly InstanceType<typeof RE2.Set>[], inputs: readonly Buffer[]): number {
  for (const input of inputs) for (const set of sets) set.match(input); // warm the DFA caches
  const start = process.hrtime.bigint();
  for (const input of inputs) for (const set of sets) set.match(input);
  return Number(process.hrtime.bigint() - start) / inputs.length;
}

/**
 * RE2.Set alone at scale: one Set of N patterns against shards of 500 and 200 (compile time, time
 * per domain on ordinary and on phishing-like domains), for three families of patterns.
 */
function re2SetTable(): void {
  const ordinary = syntheticCertificates(60, 10).flat().map((d) => Buffer.from(d));
  const phishy = phishyDomains(300).map((d) => Buffer.from(d));
  const rows: (string | number)[][] = [];
  for (const family of ['anchored', 'w1.*w2N', 'mixed shapes']) {
    for (const count of [500, 1000, 2000, 5000]) {
      const patterns = setPatterns(family, count);
      for (const shardSize of count === 500 ? [500, 200] : [count, 500, 200]) {
        const layout = shardSize === count ? 'one Set' : `${Math.ceil(count / shardSize)} shards of ${shardSize}`;
        let sets: InstanceType<typeof RE2.Set>[] = [];
        let compile: number;
        try {
          compile = micros(() => (sets = buildSets(patterns, shardSize)));
        } catch (err) {
          rows.push([family, count, layout, err instanceof Error ? err.message : String(err), '', '']);
          continue;
        }
        rows.push([family, count, layout, (compile / 1000).toFixed(1), nsPerDomain(sets, ordinary), nsPerDomain(sets, phishy)]);
      }
    }
  }
  console.log(`## RE2.Set at scale\n`);
  table(['patterns', 'count', 'layout', 'compile ms', 'ns/domain, ordinary', 'ns/domain, phishing-like'], rows);
}

/** Runs `--probe` in a fresh process and returns its memory growth. */
function probeInChild(...args: string[]): { heap: number; rss: number } {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--probe', ...args], { encoding: 'utf8' });
  return JSON.parse(out) as { heap: number; rss: number };
}

/** In a child process: memory held by a warmed matcher or set of RE2.Sets, printed as JSON. */
function probe(args: readonly string[]): void {
  const [what, kind, countArg, shardArg] = args;
  const count = Number(countArg);
  const domains = [...syntheticCertificates(200, 10).flat(), ...phishyDomains(1000)];
  let keep: unknown;
  let before: { heap: number; rss: number };
  if (what === 'matcher') {
    const specs = filters(kind as Kind, count);
    before = settledMemory();
    const matcher = new FilterMatcher();
    for (const spec of specs) matcher.acquire(spec);
    for (const domain of domains) matcher.match([domain], () => undefined);
    keep = matcher;
  } else {
    const patterns = setPatterns(kind!, count);
    const inputs = domains.map((d) => Buffer.from(d));
    before = settledMemory();
    const sets = buildSets(patterns, Number(shardArg));
    for (const input of inputs) for (const set of sets) set.match(input);
    keep = sets;
  }
  const after = settledMemory();
  console.log(JSON.stringify({ heap: after.heap - before.heap, rss: after.rss - before.rss, kept: keep !== undefined }));
}

function memoryTable(): void {
  const rows: (string | number)[][] = [];
  for (const [kind, count] of [['keywords', 10000], ['regex', 1000], ['regex', 10000], ['regex without literals', 1000], ['mixed', 10000]] as const) {
    const { heap, rss } = probeInChild('matcher', kind, String(count));
    rows.push([`FilterMatcher, ${count.toLocaleString('en-US')} ${kind} filters`, heap.toFixed(1), rss.toFixed(1)]);
  }
  for (const family of ['anchored', 'w1.*w2N', 'mixed shapes']) {
    for (const [count, shard] of [[1000, 1000], [1000, 500], [1000, 200]]) {
      const { heap, rss } = probeInChild('sets', family, String(count), String(shard));
      rows.push([`RE2.Set, ${count} ${family} patterns, ${count === shard ? 'one Set' : `shards of ${shard}`}`, heap.toFixed(1), rss.toFixed(1)]);
    }
  }
  console.log('## Memory (fresh process, after matching 3,000 domains)\n');
  table(['structure', 'JS heap MiB', 'RSS MiB'], rows);
}

// `node dist/bench/match.js` without --expose-gc: enable it from here.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

if (probeArgs !== null) {
  probe(probeArgs);
} else {
  console.log(`node ${process.version}, ${secondsPerRow}s per row\n`);
  matchingTable();
  changesTable();
  memoryTable();
  re2SetTable();
}

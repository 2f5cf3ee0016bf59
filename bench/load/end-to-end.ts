/**
 * End-to-end latency: from the moment a log appended an entry (the entry's own timestamp, which the
 * simulator sets when it appends: the MerkleTreeLeaf or tile leaf timestamp) to the moment a client
 * had it. Clients only see `source.url` and `cert_index`, which every CertStream server sends; the
 * timestamps come afterwards from the simulator's admin API, so nothing is added to the messages.
 */
import type { Receipt } from './client-worker.js';
import { emptyHistogram, record, type Histogram } from './histogram.js';

interface AdminLog {
  slug: string;
  url: string;
  monitoringUrl: string;
}

/** `http://host/logs/x/` and `host/logs/x` name the same log (servers differ on scheme and trailing slash). */
function logKey(url: string): string {
  return url.replace(/^https?:\/\//, '').replace(/\/$/, '');
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export async function endToEndLatency(simulatorUrl: string, receipts: readonly Receipt[]): Promise<Histogram> {
  const histogram = emptyHistogram();
  const logs = await getJson<AdminLog[]>(`${simulatorUrl}admin/logs`);
  const slugByKey = new Map(logs.flatMap((l) => [[logKey(l.url), l.slug], [logKey(l.monitoringUrl), l.slug]]));
  const byLog = new Map<string, Receipt[]>();
  for (const receipt of receipts) {
    const slug = slugByKey.get(logKey(receipt[0]));
    if (slug === undefined) throw new Error(`a certificate from a log the simulator does not have: ${receipt[0]}`);
    const list = byLog.get(slug) ?? [];
    list.push(receipt);
    byLog.set(slug, list);
  }
  for (const [slug, list] of byLog) {
    const start = list.reduce((min, r) => Math.min(min, r[1]), Infinity);
    const end = list.reduce((max, r) => Math.max(max, r[1]), -Infinity) + 1;
    const { timestamps } = await getJson<{ timestamps: number[] }>(`${simulatorUrl}admin/timestamps?log=${slug}&start=${start}&end=${end}`);
    for (const [, index, receivedMs] of list) record(histogram, receivedMs - timestamps[index - start]!);
  }
  return histogram;
}

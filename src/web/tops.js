/**
 * Top issuers and top TLDs among the certificates this page received in the last few minutes,
 * counted in the browser (the server keeps no such statistics). Each certificate counts once per
 * list: its issuer, and each distinct TLD of its domains.
 */

const SHOWN = 6;

/** @param {unknown} value */
const text = (value) => (typeof value === 'string' ? value : '');

/** @param {any} data a certificate_update's data */
function issuerOf(data) {
  const issuer = data?.leaf_cert?.issuer;
  return text(issuer?.O) || text(issuer?.CN) || text(issuer?.aggregated) || 'unknown';
}

/** @param {any} data */
function tldsOf(data) {
  const domains = Array.isArray(data?.leaf_cert?.all_domains) ? data.leaf_cert.all_domains : [];
  const tlds = new Set();
  for (const domain of domains) {
    const name = text(domain);
    const dot = name.lastIndexOf('.');
    if (dot >= 0 && dot < name.length - 1) tlds.add(name.slice(dot + 1).toLowerCase());
  }
  return [...tlds];
}

export class TopCounts {
  /** @param {number} windowMs */
  constructor(windowMs) {
    this.windowMs = windowMs;
    /** @type {{at: number, issuer: string, tlds: string[]}[]} oldest first */
    this.seen = [];
    /** @type {Map<string, number>} */
    this.issuers = new Map();
    /** @type {Map<string, number>} */
    this.tlds = new Map();
  }

  /** @param {unknown} data @param {number} now */
  add(data, now) {
    const entry = { at: now, issuer: issuerOf(data), tlds: tldsOf(data) };
    this.seen.push(entry);
    bump(this.issuers, entry.issuer, 1);
    for (const tld of entry.tlds) bump(this.tlds, tld, 1);
    this.expire(now);
  }

  /** @param {number} now */
  expire(now) {
    let drop = 0;
    while (drop < this.seen.length && now - this.seen[drop].at > this.windowMs) {
      const old = this.seen[drop++];
      bump(this.issuers, old.issuer, -1);
      for (const tld of old.tlds) bump(this.tlds, tld, -1);
    }
    if (drop > 0) this.seen.splice(0, drop);
  }

  /** @param {HTMLElement} issuerRows @param {HTMLElement} tldRows @param {number} now */
  render(issuerRows, tldRows, now) {
    this.expire(now);
    fill(issuerRows, this.issuers);
    fill(tldRows, this.tlds, '.');
  }
}

/** @param {Map<string, number>} counts @param {string} key @param {number} delta */
function bump(counts, key, delta) {
  const n = (counts.get(key) ?? 0) + delta;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

/** @param {HTMLElement} rows @param {Map<string, number>} counts @param {string} prefix */
function fill(rows, counts, prefix = '') {
  const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, SHOWN);
  rows.replaceChildren(
    ...top.map(([name, n]) => {
      const row = document.createElement('tr');
      const label = document.createElement('td');
      label.textContent = prefix + name;
      label.title = prefix + name;
      const count = document.createElement('td');
      count.textContent = String(n);
      row.append(label, count);
      return row;
    }),
  );
}

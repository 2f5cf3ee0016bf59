/** The live page: wires the stream, the feed, the filter form, the pause button and the status panel. */
import { Feed } from './feed.js';
import { drawSparkline, LogTable, poll, Throughput } from './status.js';
import { Stream } from './stream.js';
import { TopCounts } from './tops.js';

/** Rows kept in the feed. */
const ROW_CAP = 500;
const STATUS_URL = '/healthz';
const STATUS_INTERVAL_MS = 2_000;
/** Sparkline points: 5 minutes at one point per status poll. */
const SPARK_POINTS = 150;
/** The top issuers / TLDs panel counts what arrived in this window. */
const TOPS_WINDOW_MS = 5 * 60_000;

const byId = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page element #${id} is missing`);
  return element;
};

const ui = {
  connection: byId('connection'),
  received: byId('received'),
  form: byId('filter-form'),
  mode: byId('filter-mode'),
  input: byId('filter-input'),
  clear: byId('filter-clear'),
  dedupe: byId('dedupe'),
  pause: byId('pause'),
  filterStatus: byId('filter-status'),
  resume: byId('resume-status'),
  empty: byId('empty-state'),
  error: byId('error'),
  feedRows: byId('feed-rows'),
  logRows: byId('log-rows'),
  logsNote: byId('logs-note'),
  sparkline: { line: byId('sparkline-line'), area: byId('sparkline-area') },
  throughput: byId('throughput'),
};

// ---- feed and pause

const feed = new Feed(ui.feedRows, ROW_CAP, ({ paused, missed, received }) => {
  ui.received.textContent = `${received} received`;
  ui.pause.textContent = paused ? `Resume (${missed} new)` : 'Pause';
});

ui.pause.addEventListener('click', () => {
  feed.setPaused(!feed.paused);
  ui.pause.setAttribute('aria-pressed', String(feed.paused));
  document.body.classList.toggle('paused', feed.paused);
});

// ---- top issuers and TLDs, from what the page receives

const tops = new TopCounts(TOPS_WINDOW_MS);
setInterval(() => tops.render(byId('top-issuers'), byId('top-tlds'), Date.now()), 2_000);

// ---- stream and filter

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = text === '';
}

/** @param {{keywords: string[], regex: string[], dedupe?: boolean} | null} filter */
function describeFilter(filter) {
  if (!filter) return 'Showing every certificate.';
  const once = filter.dedupe ? ', each certificate once' : '';
  if (filter.regex.length > 0) return `Showing certificates with a domain matching the regex ${filter.regex.join(' or ')}${once}`;
  if (filter.keywords.length > 0) return `Showing certificates with a domain containing ${filter.keywords.join(' or ')}${once}`;
  return 'Showing every certificate once (not again from another log, nor the final certificate after its precertificate).';
}

/** A server with access tokens: the page's own ?token= is passed on to its WebSocket. */
const token = new URLSearchParams(location.search).get('token');
const streamUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;

let filtering = false;
const stream = new Stream(streamUrl, {
  onCertificate: (data) => {
    ui.empty.hidden = true;
    tops.add(data, Date.now());
    feed.push(data);
  },
  onConnection: (state) => {
    ui.connection.textContent = state === 'open' ? 'live' : state;
    ui.connection.dataset.state = state;
  },
  onFilter: (active) => {
    feed.clear();
    showError('');
    ui.filterStatus.textContent = describeFilter(active);
    filtering = active !== null;
    ui.empty.textContent = filtering ? `Nothing has matched this filter yet: matching certificates appear here as they are logged.` : '';
    ui.empty.hidden = !filtering;
  },
  onResume: (recovered, oldestSeq) => {
    const time = new Date().toLocaleTimeString();
    ui.resume.textContent = recovered
      ? `Reconnected at ${time}: resumed where the page left off, nothing missed.`
      : `Reconnected at ${time}, but could not resume: the server ${oldestSeq === undefined ? 'restarted or ' : ''}no longer has every certificate since the page left off; some were missed.`;
    ui.resume.dataset.recovered = String(recovered);
    ui.resume.hidden = false;
  },
  onError: (code, message) => showError(`The server refused it (${code}): ${message}`),
});

/** The form's filter: keywords separated by commas or spaces, or one regex, and the dedupe toggle; null when neither. */
function readFilter() {
  const value = ui.input.value.trim();
  const dedupe = ui.dedupe.checked;
  if (value === '' && !dedupe) return null;
  if (value === '') return { keywords: [], regex: [], dedupe };
  if (ui.mode.value === 'regex') return { keywords: [], regex: [value], dedupe };
  return { keywords: value.split(/[\s,]+/).filter((k) => k !== ''), regex: [], dedupe };
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  showError('');
  stream.setFilter(readFilter());
});

ui.clear.addEventListener('click', () => {
  ui.input.value = '';
  showError('');
  stream.setFilter(readFilter());
});

ui.dedupe.addEventListener('change', () => {
  showError('');
  stream.setFilter(readFilter());
});

stream.start();

// ---- server status

byId('sparkline').setAttribute('viewBox', `0 0 ${SPARK_POINTS - 1} 100`);

const logTable = new LogTable(ui.logRows);
const throughput = new Throughput(SPARK_POINTS);

poll(
  STATUS_URL,
  STATUS_INTERVAL_MS,
  (body) => {
    const logs = Array.isArray(body?.logs) ? body.logs : [];
    logTable.update(logs);
    ui.logsNote.textContent = `${logs.length} logs, updated ${new Date().toLocaleTimeString()}`;
    throughput.sample(logs, Date.now());
    const max = drawSparkline(ui.sparkline, throughput.rates, SPARK_POINTS);
    const now = throughput.rates.at(-1);
    ui.throughput.textContent = now === undefined ? 'measuring…' : `${now.toFixed(1)} entries/s now; scale 0–${max.toFixed(1)}, last 5 minutes`;
  },
  (reason) => {
    throughput.reset();
    ui.logsNote.textContent = `status unavailable: ${reason}`;
  },
);

/**
 * The live web page in a real (headless) Chromium against the real stack: rows arrive, a keyword
 * filter is applied on the server, a bad regex shows the server's error, pause holds the feed
 * still, the per-log table fills, and a screenshot is taken.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadTransport } from '../../src/server/transport/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { webPageAnswers } from '../../src/web/routes.js';
import { HttpSender } from '../../src/server/http-response.js';
import { startStack, type Stack } from '../support/stack.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { waitForAsync } from '../support/wait.js';
import { fileRequirement, skipWithout } from '../support/requirements.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipWithout(fileRequirement(CHROMIUM, `${CHROMIUM} not found (Debian: apt-get install chromium; .ci/run installs it)`));

/** A word no simulated name contains, so only the certificates this test logs match it. */
const KEYWORD = 'zqxpagetest';
const STEP_TIMEOUT_MS = 15_000;

/** Text of every cell of a column of the feed; domains come from the tooltip (all of them). */
async function feedColumn(page: Page, column: 'time' | 'log' | 'domains' | 'issuer'): Promise<string[]> {
  const cells = page.locator(`#feed-rows td.${column}`);
  if (column !== 'domains') return cells.allTextContents();
  return Promise.all((await cells.all()).map(async (cell) => (await cell.getAttribute('title')) ?? ''));
}

/** Waits until at least `n` elements match (locators, not page functions: the page's CSP forbids eval). */
async function waitForCount(page: Page, selector: string, n: number): Promise<void> {
  await page.locator(selector).nth(n - 1).waitFor({ state: 'attached' });
}

const feedRows = (page: Page): Promise<string[]> => page.locator('#feed-rows tr').allTextContents();

/** One Chromium for the file (it costs more to start than most tests here); each suite gets its own context. */
let launched: Promise<Browser> | undefined;
function sharedBrowser(): Promise<Browser> {
  launched ??= chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    timeout: STEP_TIMEOUT_MS,
  });
  return launched;
}
after(async () => {
  await (await launched)?.close();
});

describe('web page', { skip, timeout: 120_000 }, () => {
  let stack: Stack;
  let context: BrowserContext;
  let page: Page;
  const outDir = mkdtempSync(join(tmpdir(), 'certstream-web-'));
  const pageErrors: string[] = [];

  before(async () => {
    stack = await startStack({ seed: 'web-page', rate: 40 });
    context = await (await sharedBrowser()).newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
  });

  after(async () => {
    await context?.close();
    await stack?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('serves the page and its assets with content types and caching headers', async () => {
    const html = await fetch(`http://${stack.base}/`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(html.headers.get('cache-control'), 'no-cache');
    assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await html.text(), /<script type="module" src="\/web\/app.js">/);
    const script = await fetch(`http://${stack.base}/web/app.js`);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const etag = script.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`http://${stack.base}/web/app.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`http://${stack.base}/web/style.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal((await fetch(`http://${stack.base}/web/nope.js`)).status, 404);
  });

  it('shows certificates as they arrive', async () => {
    await page.goto(`http://${stack.base}/`);
    await page.waitForSelector('#connection[data-state="open"]');
    await waitForCount(page, '#feed-rows tr', 5);
    const logs = await feedColumn(page, 'log');
    assert.ok(logs.every((l) => l !== ''), 'every row names its log');
    assert.ok((await feedColumn(page, 'time')).every((t) => /^\d\d:\d\d:\d\d$/.test(t)));
  });

  it('filters on the server by keyword', async () => {
    await page.fill('#filter-input', KEYWORD);
    await page.click('#filter-form button[type="submit"]');
    await page.locator('#filter-status', { hasText: KEYWORD }).waitFor();
    const marker = `marker.${KEYWORD}.example`;
    stack.appendNamed([[`login.${KEYWORD}.example`], ['unrelated.example'], [`www.${KEYWORD}.example`, 'other.example'], ['nothing.example'], [marker]]);
    // Barrier: the marker is logged last, and one WebSocket keeps the server's order; once it shows,
    // every certificate sent before it (the stream goes on at 40/s) has been through the filter.
    await page.locator('#feed-rows td.domains', { hasText: marker }).waitFor();
    // At least the two logged here; the simulator may re-log them in its other log (duplicateShare).
    const domains = await feedColumn(page, 'domains');
    assert.ok(domains.length >= 2, domains.join(' | '));
    assert.ok(domains.every((d) => d.includes(KEYWORD)), domains.join(' | '));
  });

  it('shows the server error for an invalid regex and keeps the previous filter', async () => {
    await page.selectOption('#filter-mode', 'regex');
    await page.fill('#filter-input', 'login.(');
    await page.press('#filter-input', 'Enter');
    await page.waitForSelector('#error:not([hidden])');
    assert.match((await page.textContent('#error')) ?? '', /invalid_regex/);
    assert.match((await page.textContent('#filter-status')) ?? '', new RegExp(KEYWORD));
  });

  it('shows a certificate once with "each once", though two logs have it and its final certificate follows', async () => {
    const word = `${KEYWORD}once`;
    await page.selectOption('#filter-mode', 'keywords');
    await page.fill('#filter-input', word);
    await page.check('#dedupe');
    await page.locator('#filter-status', { hasText: `containing ${word}, each certificate once` }).waitFor();
    const pre = stack.sim.factory.precertificate({ dnsNames: [`a.${word}.example`] });
    const marker = stack.sim.factory.precertificate({ dnsNames: [`b.${word}.example`] });
    const [first, second] = stack.sim.logs;
    stack.sim.appendCertificates(first!.slug, [pre]);
    await waitForCount(page, '#feed-rows tr', 1);
    stack.sim.appendCertificates(second!.slug, [pre, pre.finalCertificate!(), marker]);
    // The marker comes after the repeats in the same log: once it shows, the repeats were left out.
    await page.locator('#feed-rows td.domains', { hasText: `b.${word}.example` }).waitFor();
    assert.deepEqual(await feedColumn(page, 'domains'), [`b.${word}.example`, `a.${word}.example`]);
    await page.uncheck('#dedupe');
  });

  it('holds the feed still while paused and counts what arrives', async () => {
    await page.click('#filter-clear');
    await page.locator('#filter-status', { hasText: 'Showing every certificate.' }).waitFor();
    await waitForCount(page, '#feed-rows tr', 3);
    await page.click('#pause');
    const still = await feedRows(page);
    await page.locator('#pause', { hasText: /Resume \([1-9]\d* new\)/ }).waitFor();
    assert.deepEqual(await feedRows(page), still);
    await page.click('#pause');
    await waitForCount(page, '#feed-rows tr', still.length + 1);
    assert.equal(await page.textContent('#pause'), 'Pause');
  });

  it('fills the per-log table and the throughput sparkline', async () => {
    await waitForCount(page, '#log-rows tr', 2);
    // Two points at least: one per status poll after the first.
    await page.locator('#sparkline-line[points*=" "]').waitFor({ state: 'attached' });
    const rows = await Promise.all((await page.locator('#log-rows tr').all()).map((tr) => tr.locator('td').allTextContents()));
    assert.equal(rows.length, 2);
    for (const [name, state, rate, lag, errors] of rows) {
      assert.ok(name, 'log name');
      assert.equal(state, 'following');
      assert.match(rate ?? '', /^\d+\.\d$/);
      assert.match(lag ?? '', /^\d+$/);
      assert.equal(errors, '0');
    }
  });

  it('renders (screenshot) without script errors', async () => {
    const file = join(outDir, 'page.png');
    await page.screenshot({ path: file });
    const png = readFileSync(file);
    assert.ok(png.length > 1000, 'a non-empty screenshot');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    if (process.env.WEB_SCREENSHOT) writeCopy(png, process.env.WEB_SCREENSHOT);
    assert.deepEqual(pageErrors, []);
  });
});

describe('web page: resume, empty state, narrow screens, EventSource', { skip, timeout: 120_000 }, () => {
  const WORD = 'zqxresumepage';
  let stack: Stack;
  let proxy: TcpProxy;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    stack = await startStack({ seed: 'web-resume', rfc6962Logs: 1, tiledLogs: 0 }, { historyMaxEvents: 1_000 });
    proxy = await startTcpProxy(stack.server.port);
    context = await (await sharedBrowser()).newContext({ viewport: { width: 420, height: 800 } });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  after(async () => {
    await context?.close();
    await proxy?.close();
    await stack?.close();
  });

  it('says nothing has matched yet, then shows what does, at 420 px without horizontal overflow', async () => {
    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await page.waitForSelector('#connection[data-state="open"]');
    await page.fill('#filter-input', WORD);
    await page.press('#filter-input', 'Enter');
    await page.locator('#empty-state', { hasText: 'Nothing has matched' }).waitFor();
    await stack.appendNamedAndIngest([[`a.${WORD}.example`], ['other.example']]);
    await waitForCount(page, '#feed-rows tr', 1);
    await page.waitForSelector('#empty-state', { state: 'hidden' });
    for (const selector of ['main', '#filter-input', '#feed', 'header']) {
      const box = await page.locator(selector).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 420, `${selector} fits in 420 px: ${JSON.stringify(box)}`);
    }
  });

  it('resumes after a reconnect with nothing missed, and says so', async () => {
    await proxy.cut();
    await page.waitForSelector('#connection[data-state="closed"]');
    await stack.appendNamedAndIngest([[`b.${WORD}.example`], ['x.example'], [`c.${WORD}.example`]]);
    await proxy.restore();
    await page.locator('#resume-status', { hasText: 'nothing missed' }).waitFor();
    await waitForCount(page, '#feed-rows tr', 3);
    const domains = await feedColumn(page, 'domains');
    assert.deepEqual(domains.map((d) => d.split('\n')[0]).sort(), [`a.${WORD}.example`, `b.${WORD}.example`, `c.${WORD}.example`]);
  });

  it('counts top issuers and TLDs of what it received', async () => {
    await page.locator('#top-tlds td', { hasText: '.example' }).first().waitFor();
    assert.ok((await page.locator('#top-issuers tr').count()) >= 1);
    assert.deepEqual(pageErrors, []);
  });

  it('streams to a browser EventSource, filtered, with seq ids', async () => {
    // A same-origin page without the live page's CSP, so the test may run a script in it.
    const other = await context.newPage();
    await other.goto(`http://${stack.base}/healthz`);
    await other.evaluate((word) => {
      const seen: { id: string; data: string }[] = [];
      (globalThis as unknown as { seen: typeof seen }).seen = seen;
      const source = new EventSource(`/domains-only?keywords=${word}`);
      source.onmessage = (event) => seen.push({ id: event.lastEventId, data: event.data as string });
    }, `es${WORD}`);
    const seen = (): Promise<{ id: string; data: string }[]> => other.evaluate(() => (globalThis as unknown as { seen: { id: string; data: string }[] }).seen);
    await waitForAsync('the EventSource subscribed', async () => (await seen()).length >= 1, STEP_TIMEOUT_MS);
    await stack.appendNamedAndIngest([[`one.es${WORD}.example`], ['no.example']]);
    await waitForAsync('the EventSource certificate', async () => (await seen()).length >= 2, STEP_TIMEOUT_MS);
    const [subscribed, cert] = await seen();
    assert.equal((JSON.parse(subscribed!.data) as { message_type: string }).message_type, 'subscribed');
    const message = JSON.parse(cert!.data) as { data: string[]; seq: number };
    assert.deepEqual(message.data, [`one.es${WORD}.example`]);
    assert.equal(cert!.id, String(message.seq));
    await other.close();
  });
});

describe('web page without its assets', () => {
  it('answers GET / with a text line instead of failing', async () => {
    const transport = loadTransport();
    const app = transport.App();
    const sender = new HttpSender();
    for (const [path, answerer] of webPageAnswers(silentLogger, join(tmpdir(), 'certstream-no-such-dir'))) {
      app.get(path, (res, req) => sender.now(res, false, answerer(req)));
    }
    const port = await new Promise<number>((resolve, reject) =>
      app.listen('127.0.0.1', 0, (socket) => (socket ? resolve(transport.us_socket_local_port(socket)) : reject(new Error('cannot listen')))),
    );
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.match(await res.text(), /open a WebSocket/);
    } finally {
      (app as typeof app & { close(): void }).close();
    }
  });
});

/** Keeps a copy of the screenshot where WEB_SCREENSHOT says, for a human to look at. */
function writeCopy(png: Buffer, path: string): void {
  writeFileSync(path, png);
}

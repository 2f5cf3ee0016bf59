/**
 * `certstream-ts watch` as a real process against the real server and simulator: grep-able lines,
 * JSON lines, filters applied by the server, `| head` without a stack trace, exit codes, and a
 * reconnect across a server restart that misses nothing and says so on stderr.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { CertificateUpdateMessage } from '../../src/client/index.js';
import { indexesByLog, simulatorWithStateDir, startServe, appendEndMarkers, waitForFollowersAtHead } from '../support/serve-process.js';
import { CLI, runCli, type CliProcess } from '../support/process.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording } from '../support/ws-client.js';

const LINE = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\] (.+) (\d+) (X509LogEntry|PrecertLogEntry) (\S.*)$/;

async function startWatch(url: string, args: string[] = []): Promise<CliProcess> {
  const proc = runCli(['watch', '--url', url, ...args]);
  await proc.waitForOutput(/watching ws:/);
  return proc;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('watch command', () => {
  let stack: Stack;
  let url: string;

  before(async () => {
    stack = await startStack({ seed: 'watch-cli' });
    url = `ws://${stack.base}`;
  });

  after(async () => {
    await stack.close();
  });

  it('prints one grep-able line per certificate, without colour when piped, and stops after --count', async () => {
    const recorder = await connectRecording(`${url}/`);
    const proc = await startWatch(url, ['--count', '3']);
    stack.appendNamed([['a.line.example', 'www.a.line.example'], ['b.line.example'], ['c.line.example'], ['d.line.example']]);
    assert.equal(await proc.exited, 0);
    await waitFor('recorded', () => recorder.messages.length >= 3);
    await recorder.close();

    const printed = lines(proc.stdout);
    assert.equal(printed.length, 3, proc.stdout);
    printed.forEach((line, i) => {
      const expected = recorder.messages[i] as CertificateUpdateMessage;
      const match = LINE.exec(line);
      assert.ok(match, `not a watch line: ${JSON.stringify(line)}`);
      const [, time, logName, index, updateType, domains] = match;
      assert.equal(new Date(time!).getTime(), Math.floor(expected.data.seen * 1000));
      assert.equal(logName, expected.data.source.name);
      assert.equal(Number(index), expected.data.cert_index);
      assert.equal(updateType, expected.data.update_type);
      assert.equal(domains, expected.data.leaf_cert.all_domains.join(', '));
    });
    assert.match(printed[0]!, / a\.line\.example, www\.a\.line\.example$/);
    assert.ok(!proc.stdout.includes('\u001b['), 'no colour codes in a pipe');
    assert.deepEqual(lines(proc.stderr), [`certstream-ts watch: watching ${url} (lite, every certificate)`]);
  });

  it('--json prints each message as one JSON line, filtered on the server by --keyword and --regex', async () => {
    const proc = await startWatch(url, ['--json', '--keyword', 'SHOP', '--regex', '^mail\\.', '--count', '3']);
    stack.appendNamed([['www.shop.example'], ['nothing.example'], ['mail.example'], ['other.example', 'webmail.example'], ['shopping.example']]);
    assert.equal(await proc.exited, 0, proc.stderr);
    const messages = lines(proc.stdout).map((l) => JSON.parse(l) as CertificateUpdateMessage);
    assert.deepEqual(
      messages.map((m) => m.data.leaf_cert.all_domains),
      [['www.shop.example'], ['mail.example'], ['shopping.example']],
    );
    for (const m of messages) {
      assert.equal(m.message_type, 'certificate_update');
      assert.equal(typeof m.subscription, 'string');
      assert.equal(typeof m.data.seq, 'number');
      assert.equal(m.data.leaf_cert.as_der, undefined);
    }
  });

  it('--dedupe prints each certificate once: not again from another log, nor its final certificate', async () => {
    const proc = await startWatch(url, ['--json', '--dedupe', '--keyword', 'once-only', '--count', '2']);
    assert.match(proc.stderr, /\(lite, keyword "once-only", each once\)/);
    const pre = stack.sim.factory.precertificate({ dnsNames: ['a.once-only.example'] });
    const other = stack.sim.factory.precertificate({ dnsNames: ['b.once-only.example'] });
    const [first, second] = stack.sim.logs;
    stack.sim.appendCertificates(second!.slug, [pre, pre.finalCertificate!(), other]);
    stack.sim.appendCertificates(first!.slug, [pre]);
    assert.equal(await proc.exited, 0, proc.stderr);
    const messages = lines(proc.stdout).map((l) => JSON.parse(l) as CertificateUpdateMessage);
    assert.deepEqual(messages.map((m) => m.data.leaf_cert.all_domains), [['a.once-only.example'], ['b.once-only.example']]);
    assert.ok(messages.every((m) => m.data.duplicate_of === undefined && m.data.cert_key === undefined), 'lite: no cert_key');
  });

  it('--domains-only prints the domains; --full --json carries the DER', async () => {
    const domainsOnly = await startWatch(url, ['--domains-only', '--keyword', 'dom-only', '--count', '1']);
    const full = await startWatch(url, ['--full', '--json', '--keyword', 'dom-only', '--count', '1']);
    stack.appendNamed([['x.dom-only.example', 'y.dom-only.example']]);
    assert.equal(await domainsOnly.exited, 0);
    assert.equal(await full.exited, 0);
    assert.match(domainsOnly.stdout, /^\[\d{4}-[^\]]+Z\] x\.dom-only\.example, y\.dom-only\.example\n$/);
    const message = JSON.parse(full.stdout) as CertificateUpdateMessage;
    assert.match(message.data.leaf_cert.as_der ?? '', /^[A-Za-z0-9+/]{100,}=*$/);
  });

  it('piped into head -n 3, exits 0 without a stack trace', async () => {
    const script = `set -o pipefail; "${process.execPath}" "${CLI}" watch --url ${url} | head -n 3`;
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));
    await waitFor('watching', () => stderr.includes('watching'));
    // watch only notices that head is gone at its next write, so keep certificates coming.
    for (let i = 0; !done && i < 100; i++) {
      stack.appendNamed([[`${i}.head.example`]]);
      // Paced on purpose: the next certificate should come after watch has written the last one.
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(lines(stdout).length, 3);
    assert.deepEqual(lines(stderr), [`certstream-ts watch: watching ${url} (lite, every certificate)`]);
  });

  it('exits 2 with one clear line for bad flags', async () => {
    const cases: [string[], RegExp][] = [
      [['--count', '0'], /--count.*must be a positive whole number/],
      [['--count', 'ten'], /--count.*must be a positive whole number/],
      [['--bogus'], /unknown option '--bogus'/],
      [['--full', '--domains-only'], /'--full' cannot be used with option '--domains-only'/],
      [['--url', 'http://127.0.0.1:8080'], /--url must start with ws:\/\/ or wss:\/\//],
      [['--url', 'nowhere'], /--url "nowhere" is not a URL/],
    ];
    const procs = cases.map(([args]) => runCli(['watch', ...args]));
    for (const [i, [args, message]] of cases.entries()) {
      const proc = procs[i]!;
      assert.equal(await proc.exited, 2, `${args.join(' ')}: ${proc.stderr}`);
      assert.equal(lines(proc.stderr).length, 1, proc.stderr);
      assert.match(proc.stderr, /^certstream-ts watch: /);
      assert.match(proc.stderr, message);
      assert.equal(proc.stdout, '');
    }
  });

  it('exits 2 when the server cannot be reached or refuses the filter', async () => {
    const unreachable = runCli(['watch', '--url', 'ws://127.0.0.1:1']);
    assert.equal(await unreachable.exited, 2);
    assert.match(unreachable.stderr, /^certstream-ts watch: cannot connect to ws:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);

    const refused = runCli(['watch', '--url', url, '--regex', '(unclosed']);
    assert.equal(await refused.exited, 2);
    assert.match(refused.stderr, /^certstream-ts watch: the server refused the subscription: invalid regex .*\n$/);
  });

  it('exits 0 on SIGINT', async () => {
    const proc = await startWatch(url);
    assert.equal(await proc.stop('SIGINT'), 0);
    assert.doesNotMatch(proc.stderr, /Error|\n\s+at /);
  });
});

describe('watch command across a server restart', () => {
  const fixture = simulatorWithStateDir({ seed: 'watch-restart', rfc6962Logs: 1, tiledLogs: 1, initialEntries: 5 });

  it('reconnects, says so on stderr, and prints every certificate exactly once', async () => {
    const first = await startServe(fixture.sim, fixture.stateDir);
    const watch = await startWatch(`ws://127.0.0.1:${first.port}`, ['--json', '--max-reconnect-delay', '200']);
    let second: Awaited<ReturnType<typeof startServe>> | undefined;
    const printed = (): CertificateUpdateMessage[] => lines(watch.stdout).map((l) => JSON.parse(l) as CertificateUpdateMessage);
    try {
      // Wait until the followers have read each head, so entries appended next count as new.
      await waitForFollowersAtHead(first.port, fixture.sim);
      fixture.sim.append(10);
      await waitFor('first 10 per log', () => printed().length === 10 * fixture.sim.logs.length);
      assert.equal(await first.proc.stop('SIGTERM'), 0);
      await watch.waitForOutput(/connection lost/);

      // Logged while the server is down; reads are slowed so watch is back before the catch-up.
      fixture.sim.append(8);
      fixture.sim.setFaults('*', { delay: { ms: 2_000, endpoints: ['get-entries', 'data-tile'] } });
      second = await startServe(fixture.sim, fixture.stateDir, first.port);
      await watch.waitForOutput(/reconnected/, 10_000);
      fixture.sim.clearFaults();
      fixture.sim.append(5);

      await waitFor('every certificate', () => printed().length >= 23 * fixture.sim.logs.length, 20_000);
      await appendEndMarkers(fixture.sim, [printed]);
      const all = printed();
      assert.equal(all.length, 24 * fixture.sim.logs.length, 'nothing twice');
      const byLog = indexesByLog(all);
      for (const log of fixture.sim.logs) {
        const logUrl = log.urls.monitoringUrl;
        assert.deepEqual(byLog.get(logUrl), Array.from({ length: 24 }, (_, i) => 5 + i), `${log.slug}: every index once, in order`);
      }
      assert.match(watch.stderr, /connection lost \(.*\); reconnecting\n/);
      assert.match(watch.stderr, /reconnected after \d+ attempts?; the server restarted, so certificates from seq \d+ on may have been missed\n/);
      assert.doesNotMatch(watch.stderr, /\n\s+at /);
    } finally {
      assert.equal(await watch.stop('SIGINT'), 0);
      if (second) assert.equal(await second.proc.stop('SIGTERM'), 0);
    }
  });
});

/** The start-up lines that tell an operator where clients connect: the streams, the page, health and metrics. */

/** Lines for a server listening on host:port; 0.0.0.0 is shown as 127.0.0.1, a URL one can open here. */
export function endpointLines(host: string, port: number, tls: boolean): string[] {
  const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const s = tls ? 's' : '';
  const base = `${shownHost}:${port}`;
  return [
    `streaming on ws${s}://${base}/ (lite), /full-stream, /domains-only; live page at http${s}://${base}/`,
    `status at http${s}://${base}/healthz, Prometheus metrics at /metrics, samples at /latest.json and /example.json; ` +
      'the stream paths also answer SSE and NDJSON (Accept: text/event-stream or application/x-ndjson)',
  ];
}

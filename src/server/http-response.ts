/**
 * Writing HTTP answers so that a client that never reads cannot grow the server's memory, and
 * refusing requests whose framing is ambiguous.
 *
 * Bodies go out with tryEnd: uWS writes what the socket takes and keeps none of the rest; we keep a
 * reference to the (usually cached, shared) body and continue from onWritable. So a stalled
 * response holds no copy of its body. uWS (v20.30) itself closes a connection that pipelines a
 * request while a response is still pending, and drops a response that makes no progress for ~10 s:
 * a client sending thousands of pipelined requests without reading gets what its socket buffers
 * hold, then is disconnected.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';

/** One HTTP answer. `body` null sends no body and no Content-Length (304). */
export interface HttpAnswer {
  readonly status: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer | null;
}

export function jsonAnswer(status: string, body: string | Buffer): HttpAnswer {
  return { status, headers: [['content-type', 'application/json']], body: typeof body === 'string' ? Buffer.from(body) : body };
}

/** Counts for /metrics. */
export interface HttpSendStats {
  /** Responses whose body is still being written (the client reads slowly or not at all). */
  readonly pending: number;
  /** Requests refused with 400 for ambiguous framing. */
  readonly badFraming: number;
}

interface Exchange {
  aborted: boolean;
  pending: boolean;
}

export class HttpSender implements HttpSendStats {
  pending = 0;
  badFraming = 0;

  /** Answers now, inside the request handler. HEAD gets the headers and Content-Length only. */
  now(res: HttpResponse, head: boolean, answer: HttpAnswer): void {
    this.write(res, this.watch(res), head, answer);
  }

  /**
   * For a handler that answers after an await: call it in the handler (uWS needs onAborted before
   * it returns) and the returned function later; it does nothing if the client went away.
   */
  later(res: HttpResponse, head: boolean): (answer: HttpAnswer) => void {
    const exchange = this.watch(res);
    return (answer) => {
      if (!exchange.aborted) res.cork(() => this.write(res, exchange, head, answer));
    };
  }

  /**
   * Refuses a request whose framing is ambiguous, and closes the connection: what follows its
   * headers cannot be trusted to be the next request (request smuggling). uWS v20.30 closes a
   * connection only when a response with closeConnection ends outside the request handler, so the
   * answer goes out on the next turn; if more requests were already pipelined behind this one, uWS
   * drops the connection at once instead (nothing behind it is answered either way).
   */
  refuseFraming(res: HttpResponse, problem: string): void {
    this.badFraming++;
    const exchange = this.watch(res);
    setImmediate(() => {
      if (exchange.aborted) return;
      res.cork(() => {
        res
          .writeStatus('400 Bad Request')
          .writeHeader('content-type', 'application/json')
          .end(JSON.stringify({ error: 'bad_request', message: problem }), true);
      });
    });
  }

  private watch(res: HttpResponse): Exchange {
    const exchange: Exchange = { aborted: false, pending: false };
    res.onAborted(() => {
      exchange.aborted = true;
      this.settle(exchange);
    });
    return exchange;
  }

  private settle(exchange: Exchange): void {
    if (!exchange.pending) return;
    exchange.pending = false;
    this.pending--;
  }

  private write(res: HttpResponse, exchange: Exchange, head: boolean, answer: HttpAnswer): void {
    res.writeStatus(answer.status);
    for (const [name, value] of answer.headers) res.writeHeader(name, value);
    const body = answer.body;
    if (body === null) {
      res.endWithoutBody();
      return;
    }
    if (head) {
      // endWithoutBody(length) leaves uWS v20.30 waiting for a body; the header written by hand does not.
      res.writeHeader('content-length', String(body.length));
      res.endWithoutBody();
      return;
    }
    const base = res.getWriteOffset();
    const [, done] = res.tryEnd(body, body.length);
    if (done) return;
    exchange.pending = true;
    this.pending++;
    res.onWritable((offset) => {
      const [ok, finished] = res.tryEnd(body.subarray(offset - base), body.length);
      if (finished) this.settle(exchange);
      return ok;
    });
  }
}

/**
 * Why a request's framing is ambiguous, or null. We take no request bodies, but uWS would read one
 * by Content-Length: differing Content-Length values, or Transfer-Encoding (which uWS v20.30 does not
 * decode), would make it take part of a body for the next request.
 */
export function framingProblem(req: HttpRequest): string | null {
  const lengths = new Set<string>();
  let transferEncoding = false;
  req.forEach((key, value) => {
    if (key === 'content-length') for (const part of value.split(',')) lengths.add(part.trim());
    else if (key === 'transfer-encoding') transferEncoding = true;
  });
  if (transferEncoding) return 'Transfer-Encoding is not accepted: this server takes no request bodies';
  if (lengths.size > 1) return 'conflicting Content-Length headers';
  const [length] = lengths;
  if (length !== undefined && !/^\d{1,15}$/.test(length)) return 'invalid Content-Length';
  return null;
}

/**
 * Client messages waiting for their reply. The server answers every client message, in the order
 * it received them, so replies are matched to requests by order. A request left unanswered breaks
 * that pairing, so on a timeout the connection is given up (and replaced by a reconnect).
 */
import {
  pongMessageSchema,
  subscribedMessageSchema,
  unsubscribedMessageSchema,
  type SubscribedMessage,
} from '../protocol/server-messages.js';
import { ConnectionLostError, ServerError } from './errors.js';
import type { Transport } from './transport.js';

export type Reply =
  | { message_type: 'subscribed'; reply: SubscribedMessage }
  | { message_type: 'unsubscribed'; id: string }
  | { message_type: 'pong' }
  | { message_type: 'error'; error: ServerError };

interface Pending {
  /** Runs synchronously when the reply is read, before any later message is handled. */
  settle(reply: Reply): void;
  fail(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class RequestQueue {
  private pending: Pending[] = [];

  constructor(private readonly timeoutMs: number) {}

  /**
   * Sends `message` and resolves with its reply (an error reply too, as a value). `onReply` runs
   * synchronously with the reply, for state that the messages right behind it must already see.
   */
  send(transport: Transport, message: object, what: string, onReply?: (reply: Reply) => void): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const request: Pending = {
        settle: (reply) => {
          clearTimeout(request.timer);
          onReply?.(reply);
          resolve(reply);
        },
        fail: (error) => {
          clearTimeout(request.timer);
          reject(error);
        },
        timer: setTimeout(() => {
          this.remove(request);
          reject(new Error(`no answer to ${what} within ${this.timeoutMs} ms (is this a certstream-ts server?)`));
          transport.terminate();
        }, this.timeoutMs),
      };
      this.pending.push(request);
      try {
        transport.send(JSON.stringify(message));
      } catch (err) {
        this.remove(request);
        request.fail(new ConnectionLostError(`cannot send: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  /** Hands a reply to the oldest request; false when none was waiting. */
  settle(reply: Reply): boolean {
    const request = this.pending.shift();
    if (!request) return false;
    request.settle(reply);
    return true;
  }

  failAll(error: Error): void {
    for (const request of this.pending.splice(0)) request.fail(error);
  }

  private remove(request: Pending): void {
    const index = this.pending.indexOf(request);
    if (index >= 0) this.pending.splice(index, 1);
  }
}

/** A reply, validated: replies steer the client, so they are always checked. Null when invalid. */
export function parseReply(message: Record<string, unknown>): Reply | null {
  switch (message.message_type) {
    case 'subscribed': {
      const result = subscribedMessageSchema.safeParse(message);
      return result.success ? { message_type: 'subscribed', reply: result.data } : null;
    }
    case 'unsubscribed': {
      const result = unsubscribedMessageSchema.safeParse(message);
      return result.success ? { message_type: 'unsubscribed', id: result.data.id } : null;
    }
    case 'pong':
      return pongMessageSchema.safeParse(message).success ? { message_type: 'pong' } : null;
    case 'error': {
      // Not the strict schema: a later server may send error codes this version does not know.
      const { code, message: text, id } = message;
      if (typeof code !== 'string' || typeof text !== 'string') return null;
      return { message_type: 'error', error: new ServerError(code, text, typeof id === 'string' ? id : undefined) };
    }
    default:
      return null;
  }
}

/**
 * What the server sends, told apart and checked: certificates, replies to requests, heartbeats and
 * gaps each go to their handler; what cannot be read is reported, never thrown. Message types of
 * later server versions are ignored.
 */
import {
  certificateUpdateMessageSchema,
  dnsEntriesMessageSchema,
  gapMessageSchema,
  type GapMessage,
} from '../protocol/server-messages.js';
import { parseReply, type Reply } from './requests.js';
import type { CertStreamMessage } from './types.js';

export interface IncomingHandlers {
  certificate(message: CertStreamMessage): void;
  reply(reply: Reply): void;
  /** A heartbeat with the server's newest seq (heartbeats without one say nothing to a client). */
  heartbeat(seq: number): void;
  gap(gap: GapMessage): void;
  /** A message that could not be read. */
  invalid(error: Error): void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Hands one text message to its handler; `validateCertificates` checks certificates against the schemas too. */
export function dispatchIncoming(text: string, validateCertificates: boolean, handlers: IncomingHandlers): void {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    handlers.invalid(new Error(`the server sent invalid JSON: ${text.slice(0, 80)}`));
    return;
  }
  if (!isRecord(message)) return;
  switch (message.message_type) {
    case 'certificate_update':
    case 'dns_entries':
      certificate(message, validateCertificates, handlers);
      return;
    case 'subscribed':
    case 'unsubscribed':
    case 'pong':
    case 'error': {
      const reply = parseReply(message);
      if (reply) handlers.reply(reply);
      else handlers.invalid(new Error(`the server sent an invalid ${String(message.message_type)} message`));
      return;
    }
    case 'heartbeat':
      if (typeof message.seq === 'number') handlers.heartbeat(message.seq);
      return;
    case 'gap': {
      const parsed = gapMessageSchema.safeParse(message);
      if (parsed.success) handlers.gap(parsed.data);
      else handlers.invalid(new Error(`the server sent an invalid gap message: ${parsed.error.message}`));
      return;
    }
    default:
      // message types of later versions
      return;
  }
}

function certificate(raw: Record<string, unknown>, validate: boolean, handlers: IncomingHandlers): void {
  if (validate) {
    const schema = raw.message_type === 'dns_entries' ? dnsEntriesMessageSchema : certificateUpdateMessageSchema;
    const result = schema.safeParse(raw);
    if (!result.success) {
      handlers.invalid(new Error(`the server sent an invalid ${String(raw.message_type)} message: ${result.error.message}`));
      return;
    }
  }
  handlers.certificate(raw as unknown as CertStreamMessage);
}

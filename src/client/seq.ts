import type { CertStreamMessage } from './types.js';

/**
 * The server-wide seq of a certificate message: `data.seq` for certificate_update, a top-level
 * `seq` for dns_entries (whose `data` is the bare domain list of the original format).
 */
export function seqOf(message: CertStreamMessage): number | undefined {
  const topLevel = (message as { seq?: unknown }).seq;
  if (typeof topLevel === 'number') return topLevel;
  return message.message_type === 'certificate_update' ? message.data.seq : undefined;
}

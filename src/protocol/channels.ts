/**
 * The three CertStream channels and their WebSocket paths, as the original CertStream server names
 * them. A connection's path picks its channel; a subscription may pick another one.
 */
import { z } from 'zod';

export const CHANNELS = ['full', 'lite', 'domains-only'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_PATHS: Readonly<Record<Channel, string>> = Object.freeze({
  lite: '/',
  full: '/full-stream',
  'domains-only': '/domains-only',
});

export const channelSchema = z
  .enum(CHANNELS)
  .describe('full: certificate_update with DER; lite: certificate_update without DER; domains-only: dns_entries.');

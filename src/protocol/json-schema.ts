/**
 * The JSON Schema files of protocol/, generated from the zod schemas so they cannot drift: a test
 * compares the committed files with renderSchemaFiles(), and `npm run protocol` rewrites them.
 */
import { z } from 'zod';
import { createClientMessageSchemas } from './client-messages.js';
import { DEFAULT_PROTOCOL_LIMITS, type ProtocolLimits } from './limits.js';
import { serverMessageSchema } from './server-messages.js';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

/** Client messages; their bounds are those of `limits` (the defaults in the committed file). */
export function clientMessagesJsonSchema(limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS): JsonSchema {
  // "input": what a client may write, so keywords and regex are optional with their defaults.
  return z.toJSONSchema(createClientMessageSchemas(limits).clientMessage, { io: 'input' });
}

export function serverMessagesJsonSchema(): JsonSchema {
  return z.toJSONSchema(serverMessageSchema, { io: 'output' });
}

/** File name under protocol/ to its content. */
export function renderSchemaFiles(): Record<string, string> {
  const render = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;
  return {
    'client-messages.schema.json': render(clientMessagesJsonSchema()),
    'server-messages.schema.json': render(serverMessagesJsonSchema()),
  };
}

/** The client subscription protocol: schemas, types, limits, parsing and reply builders. */
export * from './channels.js';
export * from './limits.js';
export * from './client-messages.js';
export * from './server-messages.js';
export * from './replies.js';
export { parseClientMessage, parseQueryFilters, type ParseResult, type ProtocolError } from './parse.js';
export { clientMessagesJsonSchema, serverMessagesJsonSchema, renderSchemaFiles, type JsonSchema } from './json-schema.js';

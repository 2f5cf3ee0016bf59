/**
 * The README tables derived from the schemas, so they cannot drift: every serve option (from the
 * config schema) in README.md, every error code (from the protocol) in protocol/README.md. Each
 * sits between marker comments; `npm run docs` rewrites them and a test fails when they are stale.
 */
import { configFileEnvName } from '../config/load.js';
import { defaultText, describeOptions } from '../config/option.js';
import { SERVE_ENV_PREFIX, serveConfigSchema } from '../config/serve-schema.js';
import { ERROR_CODE_DESCRIPTIONS, ERROR_CODES } from '../protocol/server-messages.js';

export interface GeneratedSection {
  /** Relative to the project root. */
  file: string;
  name: string;
  render(): string;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function serveOptionsTable(): string {
  const rows = describeOptions(serveConfigSchema, SERVE_ENV_PREFIX).map((option) => {
    const flag = option.isSwitch ? option.flag : `${option.flag} <${option.meta.valueName ?? 'value'}>`;
    const shown = defaultText(option);
    const byDefault = shown === undefined ? 'unset' : option.meta.defaultText === undefined ? `\`${shown}\`` : shown;
    return `| \`${flag}\` | \`${option.env}\` | ${cell(byDefault)} | ${cell(option.meta.description)} |`;
  });
  return [
    '| flag | environment variable | default | what |',
    '|---|---|---|---|',
    `| \`--config <file>\` | \`${configFileEnvName(SERVE_ENV_PREFIX)}\` | unset | JSON file of options keyed by camelCase name |`,
    ...rows,
  ].join('\n');
}

export function errorCodesTable(): string {
  return ['| code | sent when |', '|---|---|', ...ERROR_CODES.map((code) => `| \`${code}\` | ${cell(ERROR_CODE_DESCRIPTIONS[code])} |`)].join('\n');
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: 'README.md', name: 'serve-options', render: serveOptionsTable },
  { file: 'protocol/README.md', name: 'error-codes', render: errorCodesTable },
];

/** `text` with the section between its markers replaced by `content`; throws when the markers are missing. */
export function withSection(text: string, name: string, content: string): string {
  const begin = `<!-- generated:${name} by npm run docs, do not edit -->`;
  const end = `<!-- end generated:${name} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`markers of the generated section ${name} not found (${begin} ... ${end})`);
  return `${text.slice(0, from + begin.length)}\n${content}\n${text.slice(to)}`;
}

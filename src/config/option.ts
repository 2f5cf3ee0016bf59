/**
 * The option mechanism: a config schema is one zod strictObject whose fields carry their help text in
 * a registry. Everything else (flag, environment variable, default shown in --help, parsing of text
 * from flags and env) is derived from the field's key and zod type, so each option is defined once.
 */
import { z } from 'zod';

export interface OptionMeta {
  description: string;
  /** Placeholder in `--flag <valueName>` (switches take no value). */
  valueName?: string;
  /** The default as shown in --help and the README when the value itself depends on the machine. */
  defaultText?: string;
}

const optionMeta = z.registry<OptionMeta>();

/** Attaches help text to a field of a config schema. */
export function option<T extends z.ZodType>(field: T, meta: OptionMeta): T {
  optionMeta.add(field, meta);
  return field;
}

export type ConfigSchema = z.ZodObject<Record<string, z.ZodType>>;

export interface OptionInfo {
  /** camelCase, as in the config file and the resulting config object. */
  key: string;
  field: z.ZodType;
  meta: OptionMeta;
  flag: string;
  env: string;
  /** undefined when the option has no default (it stays unset). */
  defaultValue: unknown;
  /** A boolean: its flag takes no value (`--always-gzip`), its env var is `true` or `false`. */
  isSwitch: boolean;
}

/** `maxCatchUp` -> `--max-catch-up` (the inverse of commander's camelCase). */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** `maxCatchUp` -> `CERTSTREAM_MAX_CATCH_UP`. */
export function envName(prefix: string, key: string): string {
  return `${prefix}${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export function describeOptions(schema: ConfigSchema, envPrefix: string): OptionInfo[] {
  return Object.entries(schema.shape).map(([key, field]) => {
    const meta = optionMeta.get(field);
    if (!meta) throw new Error(`config option ${key} has no description (wrap it in option())`);
    return {
      key,
      field,
      meta,
      flag: flagName(key),
      env: envName(envPrefix, key),
      defaultValue: field instanceof z.ZodDefault ? field.def.defaultValue : undefined,
      isSwitch: baseType(field) === 'boolean',
    };
  });
}

/** The default as --help and the README show it (JSON, or the option's own wording); undefined when there is none. */
export function defaultText(option: OptionInfo): string | undefined {
  if (option.meta.defaultText !== undefined) return option.meta.defaultText;
  return option.defaultValue === undefined ? undefined : JSON.stringify(option.defaultValue);
}

/** The zod type under .default()/.optional(), which says how text from a flag or env var is read. */
function baseType(field: z.ZodType): string {
  let inner = field;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.def.innerType as z.ZodType;
  return inner.def.type;
}

/**
 * Text from a flag or env var as the value the field expects; text that does not fit is passed on
 * unchanged so the field's own message reports it.
 */
export function fromText(field: z.ZodType, value: string): unknown {
  const trimmed = value.trim();
  switch (baseType(field)) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : value;
    case 'boolean':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : value;
    default:
      return value;
  }
}

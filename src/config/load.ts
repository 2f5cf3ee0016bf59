/**
 * Builds a config object from its sources, highest precedence first: flags > environment variables >
 * config file > defaults. Every source is checked against the schema's fields on its own, so each
 * problem names where the bad value came from; all problems are reported together.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { fileProblem } from '../util/files.js';
import { describeOptions, fromText, type ConfigSchema, type OptionInfo } from './option.js';

/** Exit code for a configuration the command refuses (commander's own usage errors use it too). */
export const CONFIG_ERROR_EXIT_CODE = 2;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    // One line, like every CLI error: problems separated by `; `.
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

export interface ConfigSources {
  /** Flag values by option key (commander's camelCase): text, or true for a switch; `config` names a config file. */
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
}

/** Values of one source that passed their field, and what did not. */
interface Layer {
  values: Record<string, unknown>;
  problems: string[];
}

/** The env var naming the config file, next to the `--config` flag. */
export function configFileEnvName(envPrefix: string): string {
  return `${envPrefix}CONFIG`;
}

export function loadConfig<S extends ConfigSchema>(schema: S, envPrefix: string, sources: ConfigSources): z.output<S> {
  const options = describeOptions(schema, envPrefix);
  const configFile = textOf(sources.flags.config) ?? textOf(sources.env[configFileEnvName(envPrefix)]);
  const layers = [
    configFile === undefined ? emptyLayer() : fileLayer(options, configFile),
    envLayer(options, sources.env),
    flagLayer(options, sources.flags),
  ];
  const problems = layers.flatMap((layer) => layer.problems);
  if (problems.length > 0) throw new ConfigError(problems);
  // Later layers win; defaults fill whatever no source set.
  return schema.parse(Object.assign({}, ...layers.map((layer) => layer.values)));
}

function emptyLayer(): Layer {
  return { values: {}, problems: [] };
}

/** Empty strings count as unset, so `CERTSTREAM_PORT=` in a unit file does not override the config file. */
function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function check(layer: Layer, option: OptionInfo, value: unknown, source: string): void {
  const result = option.field.safeParse(value);
  if (result.success) layer.values[option.key] = result.data;
  else layer.problems.push(`${source}: ${result.error.issues[0]?.message ?? 'invalid value'}`);
}

function flagLayer(options: OptionInfo[], flags: ConfigSources['flags']): Layer {
  const layer = emptyLayer();
  for (const option of options) {
    const value = flags[option.key];
    if (value !== undefined) check(layer, option, typeof value === 'string' ? fromText(option.field, value) : value, option.flag);
  }
  return layer;
}

function envLayer(options: OptionInfo[], env: ConfigSources['env']): Layer {
  const layer = emptyLayer();
  for (const option of options) {
    const value = textOf(env[option.env]);
    if (value !== undefined) check(layer, option, fromText(option.field, value), option.env);
  }
  return layer;
}

/** A JSON object keyed by option name; values keep their JSON types (a port is a number, not "8080"). */
function fileLayer(options: OptionInfo[], path: string): Layer {
  const layer = emptyLayer();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? `not valid JSON (${err.message})` : fileProblem(err);
    layer.problems.push(`config file ${path}: ${reason}`);
    return layer;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    layer.problems.push(`config file ${path}: must be a JSON object of options`);
    return layer;
  }
  const byKey = new Map(options.map((option) => [option.key, option]));
  for (const [key, value] of Object.entries(parsed)) {
    const option = byKey.get(key);
    if (option) check(layer, option, value, `${path}: ${key}`);
    else layer.problems.push(`${path}: unknown option "${key}" (known: ${[...byKey.keys()].join(', ')})`);
  }
  return layer;
}

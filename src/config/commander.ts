/** Commander options derived from a config schema, so `--help` shows each one's default and env var. */
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, configFileEnvName, loadConfig } from './load.js';
import { describeOptions, type ConfigSchema, type OptionInfo } from './option.js';

function helpText(option: OptionInfo): string {
  const notes = [
    ...(option.defaultValue === undefined ? [] : [`default: ${JSON.stringify(option.defaultValue)}`]),
    `env: ${option.env}`,
  ];
  return `${option.meta.description} (${notes.join(', ')})`;
}

/**
 * Adds `--config <file>` and one flag per schema field. Flags carry no commander default or parser:
 * they stay raw text (true for a switch), and only flags given on the command line appear in `command.opts()`.
 */
export function addConfigOptions(command: Command, schema: ConfigSchema, envPrefix: string): Command {
  command.addOption(
    new Option('--config <file>', `JSON file of options keyed by camelCase name, e.g. {"port": 8080} (env: ${configFileEnvName(envPrefix)})`),
  );
  for (const option of describeOptions(schema, envPrefix)) {
    const flags = option.isSwitch ? option.flag : `${option.flag} <${option.meta.valueName ?? 'value'}>`;
    command.addOption(new Option(flags, helpText(option)));
  }
  return (
    command
      .addHelpText('after', `\nEach option is taken from its flag, else its environment variable, else the config file, else its default.`)
      // Usage errors (unknown flag, missing value) exit like config errors; --help still exits 0.
      .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : CONFIG_ERROR_EXIT_CODE))
  );
}

/** The config from the action's flags, env and config file; a bad one is reported by source and exits 2. */
export function loadConfigOrExit<S extends ConfigSchema>(
  commandName: string,
  schema: S,
  envPrefix: string,
  flags: Record<string, unknown>,
): z.output<S> {
  try {
    return loadConfig(schema, envPrefix, { flags, env: process.env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`certstream-ts ${commandName}: ${err.message}`);
    process.exit(CONFIG_ERROR_EXIT_CODE);
  }
}

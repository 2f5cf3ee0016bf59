/** Commander options derived from a config schema, so `--help` shows each one's default and env var. */
import { Option, type Command } from 'commander';
import { configFileEnvName } from './load.js';
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
 * they stay raw text, and only values given on the command line appear in `command.opts()`.
 */
export function addConfigOptions(command: Command, schema: ConfigSchema, envPrefix: string): Command {
  command.addOption(
    new Option('--config <file>', `JSON file of options keyed by camelCase name, e.g. {"port": 8080} (env: ${configFileEnvName(envPrefix)})`),
  );
  for (const option of describeOptions(schema, envPrefix)) {
    command.addOption(new Option(`${option.flag} <${option.meta.valueName}>`, helpText(option)));
  }
  return command.addHelpText(
    'after',
    `\nEach option is taken from its flag, else its environment variable, else the config file, else its default.`,
  );
}

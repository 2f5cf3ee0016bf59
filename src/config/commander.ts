/**
 * Commander glue shared by every subcommand: options derived from a config schema (so `--help`
 * shows each one's default and env var), and the one error style of the CLI: one line on stderr,
 * `certstream-ts <command>: <what is wrong>`, and exit code 2 for anything the caller got wrong.
 */
import { Option, type Command, type CommanderError } from 'commander';
import type { z } from 'zod';
import { CONFIG_ERROR_EXIT_CODE, ConfigError, configFileEnvName, loadConfig } from './load.js';
import { defaultText, describeOptions, type ConfigSchema, type OptionInfo } from './option.js';

/** Exit code of a usage error: a bad flag, a bad value, a file named by a flag that cannot be used. */
export const USAGE_EXIT_CODE = CONFIG_ERROR_EXIT_CODE;

/** `certstream-ts serve`, or `certstream-ts` for the top-level command. */
export function commandTitle(commandName?: string): string {
  return commandName === undefined ? 'certstream-ts' : `certstream-ts ${commandName}`;
}

/** Writes `certstream-ts <command>: <message>` as one line on stderr and exits. */
export function exitWithError(commandName: string | undefined, message: string, exitCode: number = USAGE_EXIT_CODE): never {
  process.stderr.write(`${commandTitle(commandName)}: ${message.trim().replace(/\s*\n\s*/g, '; ')}\n`);
  process.exit(exitCode);
}

/**
 * Commander's own usage errors (unknown flag, missing or bad value, unknown command) as one line
 * naming the command and its --help, exit 2; --help and --version still exit 0.
 */
export function oneLineErrors(command: Command, commandName?: string): Command {
  const title = commandTitle(commandName);
  return command
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (text, write) => write(`${title}: ${text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (see ${title} --help)\n`),
    })
    .exitOverride((err: CommanderError) => process.exit(err.exitCode === 0 ? 0 : USAGE_EXIT_CODE));
}

function helpText(option: OptionInfo): string {
  const shownDefault = defaultText(option);
  const notes = [...(shownDefault === undefined ? [] : [`default: ${shownDefault}`]), `env: ${option.env}`];
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
  return command.addHelpText('after', `\nEach option is taken from its flag, else its environment variable, else the config file, else its default.`);
}

/** The config from the action's flags, env and config file; a bad one is reported by source in one line, exit 2. */
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
    exitWithError(commandName, err.message);
  }
}

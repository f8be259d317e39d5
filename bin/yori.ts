#!/usr/bin/env node
/**
 * The `yori` command line (SPEC §2). Parsing only: every command hands its arguments to the
 * module that does the work. Bad arguments or a bad config print one line and exit 2.
 */
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { ConfigError } from '../lib/config/schema.js';
import { loadConfig } from '../lib/config/load.js';
import { UsageError } from '../lib/cli-errors.js';

const configOption = {
  config: { type: 'string', describe: 'config file (else $YORI_CONFIG, else /usr/local/etc/yori/yori.conf, else defaults)' },
} as const;

type Handler = (argv: Record<string, unknown>) => Promise<number | void>;

/** Runs a command body; maps config/usage errors to exit 2, anything else to exit 1. */
function run(handler: Handler) {
  return async (argv: Record<string, unknown>) => {
    try {
      const code = await handler(argv);
      if (typeof code === 'number') process.exitCode = code;
    } catch (e) {
      if (e instanceof ConfigError || e instanceof UsageError) {
        process.stderr.write(`yori: ${e.message}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`yori: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    }
  };
}

const config = (argv: Record<string, unknown>) => loadConfig(argv.config as string | undefined);

await yargs(hideBin(process.argv))
  .scriptName('yori')
  .options(configOption)
  .command(
    'start',
    'run the gateway in the foreground',
    (y: Argv) => y.option('check', { type: 'boolean', describe: 'validate the config and exit' }),
    run(async (argv) => {
      const loaded = config(argv);
      if (argv.check) {
        process.stdout.write(`config ok${loaded.path ? `: ${loaded.path}` : ' (built-in defaults)'}\n`);
        return 0;
      }
      const { runYori } = await import('../lib/app.js');
      return runYori(loaded);
    }),
  )
  .command('ca <action>', 'the local certificate authority', (y: Argv) =>
    y
      .positional('action', { choices: ['init', 'export'] as const, demandOption: true })
      .option('format', { choices: ['pem', 'der', 'mobileconfig'] as const, default: 'pem' })
      .option('out', { type: 'string', describe: 'write to FILE instead of stdout' }),
    run(async (argv) => {
      const { caCommand } = await import('../lib/tls/cli.js');
      return caCommand(config(argv).config, argv.action as 'init' | 'export', {
        format: argv.format as 'pem' | 'der' | 'mobileconfig',
        out: argv.out as string | undefined,
      });
    }),
  )
  .command('policy <action> [dir]', 'evaluate and test Rego policies', (y: Argv) =>
    y
      .positional('action', { choices: ['eval', 'test'] as const, demandOption: true })
      .positional('dir', { type: 'string', describe: 'policy folder (policy test)' })
      .option('input', { type: 'string', describe: 'input document (JSON) for policy eval' })
      .option('policy-dir', { type: 'string', describe: 'policy folder (default: policy.dir)' })
      .option('verbose', { type: 'boolean', alias: 'v', describe: 'print every test' }),
    run(async (argv) => {
      const { policyCommand } = await import('../lib/policy/cli.js');
      return policyCommand(config(argv).config, argv.action as 'eval' | 'test', {
        input: argv.input as string | undefined,
        policyDir: (argv['policy-dir'] ?? argv.dir) as string | undefined,
        verbose: Boolean(argv.verbose),
      });
    }),
  )
  .command('audit <action>', 'the audit log', (y: Argv) =>
    y
      .positional('action', { choices: ['export'] as const, demandOption: true })
      .option('format', { choices: ['csv', 'jsonl'] as const, default: 'csv' })
      .option('since', { type: 'string', describe: 'ISO time, inclusive' })
      .option('until', { type: 'string', describe: 'ISO time, exclusive' })
      .option('out', { type: 'string', describe: 'write to FILE instead of stdout' }),
    run(async (argv) => {
      const { auditExportCommand } = await import('../lib/audit/cli.js');
      return auditExportCommand(config(argv).config, {
        format: argv.format as 'csv' | 'jsonl',
        since: argv.since as string | undefined,
        until: argv.until as string | undefined,
        out: argv.out as string | undefined,
      });
    }),
  )
  .command('stats', 'usage summary: today, 24 h, per device, per provider', (y: Argv) =>
    y.option('json', { type: 'boolean', describe: 'print JSON' }),
    run(async (argv) => {
      const { statsCommand } = await import('../lib/audit/cli.js');
      return statsCommand(config(argv).config, { json: Boolean(argv.json) });
    }),
  )
  .command('alerts <action>', 'alert channels', (y: Argv) =>
    y.positional('action', { choices: ['test'] as const, demandOption: true }),
    run(async (argv) => {
      const { alertsTestCommand } = await import('../lib/alerts/cli.js');
      return alertsTestCommand(config(argv).config);
    }),
  )
  .command('admin <action>', 'the admin UI', (y: Argv) =>
    y.positional('action', { choices: ['hash-password'] as const, demandOption: true, describe: 'hash-password: read a password on stdin, print admin.password_hash' }),
    run(async () => {
      const { hashPasswordCommand } = await import('../lib/web/auth.js');
      return hashPasswordCommand();
    }),
  )
  .command('pf <action>', 'pf anchor rules and the AI-host address table', (y: Argv) =>
    y
      .positional('action', { choices: ['render', 'enable', 'disable', 'status', 'refresh'] as const, demandOption: true })
      .option('dry-run', { type: 'boolean', describe: 'print the pfctl calls instead of running them' })
      .option('json', { type: 'boolean', describe: 'status: print JSON' })
      .option('format', { choices: ['pf', 'unbound'] as const, default: 'pf', describe: 'render: pf anchor rules, or Unbound settings for the AI hostnames' }),
    run(async (argv) => {
      const { pfCommand } = await import('../lib/pf/cli.js');
      return pfCommand(config(argv).config, argv.action as 'render' | 'enable' | 'disable' | 'status' | 'refresh', {
        dryRun: Boolean(argv['dry-run']),
        json: Boolean(argv.json),
        format: argv.format as 'pf' | 'unbound',
      });
    }),
  )
  .demandCommand(1, 'yori: name a command (see --help)')
  .strict()
  .fail((msg, err) => {
    process.stderr.write(`yori: ${err ? err.message : msg}\n`);
    process.exit(2);
  })
  .help()
  .version()
  .parseAsync();

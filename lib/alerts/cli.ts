/**
 * `yori alerts test`: sends one test alert through every configured channel (and the web
 * channel's store) and reports each outcome, so a parent knows the setup works before a real
 * alert is due. Exit 1 when any channel failed.
 */
import { auditDbPath, openAuditDb } from '../audit/store.js';
import type { Config } from '../config/schema.js';
import { makeAlert } from './alert.js';
import { channelsFromConfig } from './channels.js';
import { ALERT_MIGRATIONS, AlertStore } from './store.js';

export async function alertsTestCommand(config: Config, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const alert = makeAlert({
    kind: 'test',
    severity: 'info',
    title: 'Test alert',
    message: 'This is a test from YORI. If you can read it, this channel works.',
  });
  const channels = channelsFromConfig(config.alerts, config.timezone);
  let failed = 0;

  if (config.alerts.web) {
    try {
      const db = openAuditDb(auditDbPath(config.data_dir), { migrations: [ALERT_MIGRATIONS] });
      try {
        alert.id = new AlertStore(db).insert(alert);
      } finally {
        db.close();
      }
      out.write(`web      ok      stored as alert #${alert.id}\n`);
    } catch (e) {
      failed++;
      out.write(`web      FAILED  ${(e as Error).message}\n`);
    }
  }
  for (const ch of channels) {
    try {
      await ch.send(alert);
      out.write(`${ch.name.padEnd(8)} ok\n`);
    } catch (e) {
      failed++;
      out.write(`${ch.name.padEnd(8)} FAILED  ${(e as Error).message}\n`);
    } finally {
      ch.close?.();
    }
  }
  if (!config.alerts.web && channels.length === 0) {
    out.write('no alert channels configured (see `alerts` in the config)\n');
    return 1;
  }
  return failed > 0 ? 1 : 0;
}

/**
 * The addons that give the data path its meaning, hooked on its named events in one explicit
 * order (mitmproxy's default_addons): providers (what was asked, how many tokens) → policy
 * (the decision) → audit (one row per exchange or observed connection) → alerts (parents
 * hear about alerts, blocks and new devices).
 *
 * Everything here runs on the request path, so it stays in memory: device lookup and usage
 * counters are maps, the audit writer only enqueues, and alerts are delivered in the
 * background. Nothing awaits. In advisory mode the policy decision is deferred to the end of
 * the exchange (hooks.ts DeferredDecision).
 */
import type { Config } from './config/schema.js';
import type { AuditWriter } from './audit/writer.js';
import { rowFromConnection, rowFromExchange } from './audit/row.js';
import type { AlertDispatcher } from './alerts/dispatcher.js';
import type { DeviceDirectory } from './devices/directory.js';
import type { DeviceInfo } from './devices/types.js';
import type { Decision, DeferredDecision, Exchange, GatewayHooks, ObservedConnection, Route } from './hooks.js';
import { getHeader } from './http/headers.js';
import { connectionInput, exchangeInput, type ClientInput } from './policy/input.js';
import { detectPii } from './policy/pii.js';
import type { PolicySet } from './policy/policy-set.js';
import type { UsageCounters } from './policy/usage.js';
import { extractRequest } from './providers/extract.js';
import { redactPath } from './providers/secrets.js';
import { createUsageObserver } from './providers/usage.js';

export interface AddonDeps {
  config: Config;
  devices: DeviceDirectory;
  policies: PolicySet;
  usage: UsageCounters;
  writer: AuditWriter;
  alerts: AlertDispatcher;
  /** Client addresses that have used an AI service before (seeded from the audit DB). */
  seenClients: Set<string>;
  now?: () => number;
}

/** The key usage is counted under: the MAC follows a device across address changes. */
function clientKey(dev: DeviceInfo): string {
  return dev.mac ?? dev.ip;
}

function clientInput(dev: DeviceInfo): ClientInput {
  return { ip: dev.ip, mac: dev.mac, name: dev.name, person: dev.person };
}

function tokensOf(ex: Exchange): number {
  return (ex.usage?.prompt_tokens ?? 0) + (ex.usage?.completion_tokens ?? 0);
}

export function createAddons(deps: AddonDeps): GatewayHooks {
  const { config, devices, policies, usage, writer, alerts, seenClients } = deps;
  const now = deps.now ?? Date.now;
  const tz = config.timezone;

  /** A device YORI has never seen use AI before, and that nobody has named: tell the parents. */
  const noticeNewDevice = (dev: DeviceInfo, route: Route) => {
    if (seenClients.has(dev.ip)) return;
    seenClients.add(dev.ip);
    if (dev.name !== null) return;
    alerts.raise({
      kind: 'new_device',
      severity: 'info',
      title: 'A new device is using AI',
      message: `${dev.ip}${dev.mac ? ` (${dev.mac})` : ''} used ${route.provider} (${route.host}) for the first time. Give it a name in the dashboard.`,
      client_ip: dev.ip,
      host: route.host,
      provider: route.provider,
    });
  };

  const alertOn = (decision: Decision, dev: DeviceInfo, route: Route, what: string) => {
    if (decision.action === 'allow') return;
    const blocked = decision.action === 'block';
    alerts.raise({
      kind: 'policy',
      severity: blocked ? 'critical' : 'warning',
      title: blocked ? `Blocked: ${decision.reasons[0] ?? 'policy'}` : decision.reasons[0] ?? 'Policy alert',
      message: `${dev.name ?? dev.ip} ${what} ${route.provider} (${route.host})${blocked ? '; YORI blocked it' : ''}.`,
      reasons: decision.reasons,
      client_ip: dev.ip,
      client_name: dev.name,
      person: dev.person,
      host: route.host,
      provider: route.provider,
    });
  };

  return {
    connection(conn: ObservedConnection): Decision {
      const t = now();
      const dev = devices.resolve(conn.client.ip);
      noticeNewDevice(dev, conn.route);
      const counts = usage.recordRequest(clientKey(dev), t);
      return policies.decide(connectionInput(conn, clientInput(dev), counts, t, tz));
    },

    request(ex: Exchange): Decision | DeferredDecision {
      const t = now();
      ex.info = extractRequest(ex.route, ex.method, ex.path, getHeader(ex.requestHeaders, 'content-type') ?? null, ex.requestBody, ex.bodyTruncated);
      const dev = devices.resolve(ex.client.ip);
      noticeNewDevice(dev, ex.route);
      const counts = usage.recordRequest(clientKey(dev), t);
      const decide = () => {
        const input = exchangeInput(ex, clientInput(dev), counts, detectPii(ex.info!.prompt), t, tz);
        input.request.path = redactPath(ex.path);
        return policies.decide(input);
      };
      // Advisory policies cannot block: they run once the response is through, so the PII
      // scan and Rego evaluation never add latency (same input, same clock reading).
      return policies.mode === 'enforce' ? decide() : { settle: decide };
    },

    response(ex: Exchange) {
      return createUsageObserver(ex.route, ex.path, ex.info, ex.responseHeaders, ex.status);
    },

    exchangeDone(ex: Exchange): void {
      const dev = devices.resolve(ex.client.ip);
      usage.recordTokens(clientKey(dev), ex.startedAt, tokensOf(ex), now());
      writer.enqueue(rowFromExchange(ex, dev, config.audit.prompts, config.audit.prompt_chars));
      alertOn(ex.decision, dev, ex.route, 'sent a request to');
    },

    connectionDone(conn: ObservedConnection): void {
      const dev = devices.resolve(conn.client.ip);
      writer.enqueue(rowFromConnection(conn, dev));
      alertOn(conn.decision, dev, conn.route, 'used');
    },
  };
}

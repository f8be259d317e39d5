/**
 * The provider registry (SPEC §7): which hostnames belong to which AI service, whether they are
 * an API (intercepted) or a consumer app (observed from the SNI), and the resulting `Route`.
 * Built once per config snapshot; `lookup` is on the per-connection hot path, so exact names
 * are one Map probe and the few wildcards are one more probe on the parent name.
 *
 * Wildcards (`*.openai.azure.com`) match exactly one label: `res.openai.azure.com`, never
 * `a.b.openai.azure.com` nor `openai.azure.com`. Parent domains such as `googleapis.com`,
 * `azure.com` or `x.com` are never listed: they carry unrelated traffic.
 */
import type { Config } from '../config/schema.js';
import type { ProviderKind, Route } from '../hooks.js';

export interface HostEntry {
  /** Lower-case hostname, or `*.suffix` for a one-label wildcard. */
  host: string;
  provider: string;
  kind: ProviderKind;
}

const api = (provider: string, ...hosts: string[]): HostEntry[] => hosts.map((host) => ({ host, provider, kind: 'api' }));
const app = (provider: string, ...hosts: string[]): HostEntry[] => hosts.map((host) => ({ host, provider, kind: 'app' }));

/**
 * Built-in table. App entries list only hosts dedicated to the app (its web origin and
 * backends used by nothing else); shared CDNs and login domains are left out on purpose.
 */
export const BUILTIN_HOSTS: readonly HostEntry[] = Object.freeze([
  ...api('openai', 'api.openai.com'),
  ...api('anthropic', 'api.anthropic.com'),
  // Vertex AI (<region>-aiplatform.googleapis.com) also serves non-LLM Google Cloud traffic:
  // add it through providers.extra where wanted; the Gemini extractor reads its paths.
  ...api('google', 'generativelanguage.googleapis.com'),
  ...api('mistral', 'api.mistral.ai', 'codestral.mistral.ai'),
  ...api('cohere', 'api.cohere.com', 'api.cohere.ai'),
  ...api('groq', 'api.groq.com'),
  ...api('perplexity', 'api.perplexity.ai'),
  ...api('deepseek', 'api.deepseek.com'),
  ...api('xai', 'api.x.ai'),
  ...api('openrouter', 'openrouter.ai'),
  ...api('together', 'api.together.xyz', 'api.together.ai'),
  ...api('huggingface', 'router.huggingface.co', 'api-inference.huggingface.co'),
  // One resource per customer: <resource>.openai.azure.com, <resource>.services.ai.azure.com
  // (Azure AI Foundry). Both parents are dedicated to model inference.
  ...api('azure-openai', '*.openai.azure.com', '*.services.ai.azure.com'),

  ...app('openai', 'chatgpt.com', 'chat.openai.com', 'sora.chatgpt.com', 'sora.com'),
  ...app('anthropic', 'claude.ai'),
  ...app('google', 'gemini.google.com', 'aistudio.google.com', 'notebooklm.google.com'),
  ...app('microsoft', 'copilot.microsoft.com'),
  ...app('perplexity', 'www.perplexity.ai', 'perplexity.ai'),
  ...app('deepseek', 'chat.deepseek.com'),
  ...app('xai', 'grok.com'),
  ...app('mistral', 'chat.mistral.ai'),
  ...app('characterai', 'character.ai', 'beta.character.ai', 'neo.character.ai'),
  ...app('poe', 'poe.com'),
  ...app('meta', 'meta.ai', 'www.meta.ai'),
  ...app('inflection', 'pi.ai'),
]);

/** Lower-cases and drops one trailing dot (`API.OpenAI.com.` → `api.openai.com`). */
export function normalizeHost(host: string): string {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  return h.toLowerCase();
}

export class ProviderRegistry {
  /** Exact names; `null` marks a disabled name (shadows any wildcard). */
  readonly #exact = new Map<string, Route | null>();
  /** Wildcard parents (`openai.azure.com` for `*.openai.azure.com`); `null` when disabled. */
  readonly #wildcard = new Map<string, HostEntry | null>();
  readonly #interceptApps: ReadonlySet<string>;
  readonly #entries: HostEntry[];

  constructor(cfg: Config['providers']) {
    this.#interceptApps = new Set(cfg.intercept_apps.map((p) => p.toLowerCase()));
    const byHost = new Map<string, HostEntry>();
    // Config extras come last so they override built-ins for the same host.
    for (const e of [...BUILTIN_HOSTS, ...cfg.extra]) {
      const host = normalizeHost(e.host);
      byHost.set(host, { host, provider: e.provider, kind: e.kind });
    }
    const disabled = new Set(cfg.disabled.map(normalizeHost));
    this.#entries = [...byHost.values()].filter((e) => !disabled.has(e.host));

    for (const e of this.#entries) {
      if (e.host.startsWith('*.')) this.#wildcard.set(e.host.slice(2), e);
      else this.#exact.set(e.host, this.#route(e.host, e));
    }
    for (const d of disabled) {
      if (d.startsWith('*.')) this.#wildcard.set(d.slice(2), null);
      else this.#exact.set(d, null);
    }
    // A disabled wildcard also disables exact extras beneath it.
    for (const [host, route] of this.#exact) {
      if (route && this.#wildcard.get(parentOf(host)) === null) this.#exact.set(host, null);
    }
  }

  /** The route for a hostname (SNI or Host), or null when YORI should splice it untouched. */
  lookup(host: string): Route | null {
    const hit = this.#exact.get(host);
    if (hit !== undefined) return hit;
    const h = normalizeHost(host);
    if (h !== host) {
      const again = this.#exact.get(h);
      if (again !== undefined) return again;
    }
    const parent = parentOf(h);
    if (parent === '') return null;
    const wild = this.#wildcard.get(parent);
    return wild ? this.#route(h, wild) : null;
  }

  /** Every enabled host pattern (wildcards as `*.suffix`), for pf table refresh and docs. */
  hosts(): { host: string; provider: string; kind: ProviderKind }[] {
    return this.#entries.map((e) => ({ host: e.host, provider: e.provider, kind: e.kind }));
  }

  /** APIs are intercepted; apps only when `intercept_apps` names their provider id or host. */
  #route(host: string, e: HostEntry): Route {
    const mode = e.kind === 'api' || this.#interceptApps.has(e.provider.toLowerCase()) || this.#interceptApps.has(host)
      ? 'intercept'
      : 'observe';
    return Object.freeze({ host, provider: e.provider, kind: e.kind, mode });
  }
}

/** `a.b.c` → `b.c`; a single label has no parent (''). */
function parentOf(host: string): string {
  const dot = host.indexOf('.');
  return dot < 0 ? '' : host.slice(dot + 1);
}

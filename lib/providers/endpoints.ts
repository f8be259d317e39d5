/**
 * Which API an HTTP request speaks, from its route and request target alone. The request
 * extractor and the usage observer both dispatch on this, so a provider that offers another
 * vendor's shape (Gemini's and Cohere's OpenAI-compatible paths, DeepSeek's Anthropic path, a
 * custom `providers.extra` host running an OpenAI-compatible server) is parsed by that shape.
 */
import type { Route } from '../hooks.js';

export type Endpoint =
  | 'openai.chat'
  | 'openai.responses'
  | 'openai.completions'
  | 'openai.embeddings'
  | 'openai.images'
  | 'openai.transcription'
  | 'openai.speech'
  | 'anthropic.messages'
  | 'anthropic.count_tokens'
  | 'gemini'
  | 'cohere.chat.v1'
  | 'cohere.chat.v2'
  | 'cohere.generate'
  | 'cohere.embed'
  | 'huggingface.inference'
  | 'chatgpt.conversation'
  | 'claude.completion'
  | 'other';

export interface EndpointInfo {
  endpoint: Endpoint;
  /** Model named by the path (Gemini `models/{model}:method`, Azure deployment, HF model). */
  pathModel: string | null;
  /** Streaming requested by the path or query (Gemini `streamGenerateContent`, `alt=sse`). */
  pathStream: boolean;
  /** Gemini method (`generateContent`, `embedContent`, …), else null. */
  method: string | null;
}

const GEMINI = /\/models\/([^/:]+):([A-Za-z]+)$/;
const AZURE_DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\//;
const HF_MODEL = /^(?:\/hf-inference)?\/models\/(.+?)(?:\/pipeline\/[^/]+)?$/;
const CLAUDE_COMPLETION = /^\/api\/organizations\/[^/]+\/chat_conversations\/[^/]+\/(?:retry_)?completion$/;

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function info(endpoint: Endpoint, pathModel: string | null = null, pathStream = false, method: string | null = null): EndpointInfo {
  return { endpoint, pathModel, pathStream, method };
}

/** Classifies a request target (path with query) for a route. Pure; never throws. */
export function classifyEndpoint(route: Route, target: string): EndpointInfo {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);

  if (route.kind === 'app') {
    if (route.provider === 'openai' && /^\/backend-api\/(?:f\/)?conversation$/.test(path)) return info('chatgpt.conversation', null, true);
    if (route.provider === 'anthropic' && CLAUDE_COMPLETION.test(path)) return info('claude.completion', null, true);
    return info('other');
  }

  const gemini = GEMINI.exec(path);
  if (gemini) {
    const method = gemini[2]!;
    const sse = /(?:^|&)alt=sse(?:&|$)/.test(query);
    return info('gemini', decodeSegment(gemini[1]!), method === 'streamGenerateContent' || sse, method);
  }

  const azure = route.provider === 'azure-openai' ? AZURE_DEPLOYMENT.exec(path) : null;
  const deployment = azure ? decodeSegment(azure[1]!) : null;

  if (path.endsWith('/chat/completions')) return info('openai.chat', deployment);
  if (path.endsWith('/completions')) return info('openai.completions', deployment);
  if (path.endsWith('/responses')) return info('openai.responses', deployment);
  if (path.endsWith('/embeddings')) return info('openai.embeddings', deployment);
  if (/\/images\/(?:generations|edits|variations)$/.test(path)) return info('openai.images', deployment);
  if (/\/audio\/(?:transcriptions|translations)$/.test(path)) return info('openai.transcription', deployment);
  if (path.endsWith('/audio/speech')) return info('openai.speech', deployment);
  if (path.endsWith('/v1/messages')) return info('anthropic.messages');
  if (path.endsWith('/v1/messages/count_tokens')) return info('anthropic.count_tokens');
  if (path === '/v1/chat') return info('cohere.chat.v1');
  if (path === '/v2/chat') return info('cohere.chat.v2');
  if (path === '/v1/generate') return info('cohere.generate');
  if (path === '/v1/embed' || path === '/v2/embed') return info('cohere.embed');
  if (route.provider === 'huggingface') {
    const hf = HF_MODEL.exec(path);
    if (hf) return info('huggingface.inference', decodeSegment(hf[1]!));
  }
  return info('other');
}

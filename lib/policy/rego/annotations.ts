// Annotations: `# METADATA` comment blocks holding YAML, attached to the
// package or rule written directly below them, in OPA's JSON form (what
// rego.metadata.rule() and rego.metadata.chain() return).

import { parse as parseYAML } from 'yaml';
import type { Annotation, Module } from './ast.js';
import { RegoError } from './errors.js';
import type { Comment } from './lexer.js';
import { RegoObject, fromJSON, type Value } from './value.js';

interface Block {
  row: number;
  col: number;
  lastRow: number;
  yaml: string;
}

/** `# METADATA` blocks: the marker comment and the comments on the following lines at column 1. */
function blocks(comments: Comment[]): Block[] {
  const out: Block[] = [];
  let cur: Block | null = null;
  let lines: string[] = [];
  for (const c of comments) {
    if (cur && c.row === cur.lastRow + 1 && c.col === 1) {
      cur.lastRow = c.row;
      lines.push(c.text.startsWith(' ') ? c.text.slice(1) : c.text);
      cur.yaml = lines.join('\n');
      continue;
    }
    cur = null;
    if (c.text.trim().startsWith('METADATA')) {
      cur = { row: c.row, col: c.col, lastRow: c.row, yaml: '' };
      lines = [];
      out.push(cur);
    }
  }
  return out;
}

const SCOPES = new Set(['rule', 'document', 'package', 'subpackages']);

function authors(list: unknown): unknown[] {
  return asList(list).map((a) => {
    if (typeof a !== 'string') return a;
    const m = /^(.*?)\s*<([^>]*)>$/.exec(a.trim());
    if (!m) return { name: a.trim() };
    return m[1] ? { name: m[1], email: m[2] } : { email: m[2] };
  });
}

function asList(x: unknown): unknown[] {
  return Array.isArray(x) ? x : x === undefined || x === null ? [] : [x];
}

/** Parses one block into OPA's annotation object. */
function annotation(b: Block, defaultScope: Annotation['scope'], file: string): Annotation {
  let raw: unknown;
  try {
    raw = parseYAML(b.yaml) ?? {};
  } catch (e) {
    throw new RegoError('rego_parse_error', `yaml: ${(e as Error).message.split('\n')[0]}`, file, b.row, b.col);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RegoError('rego_parse_error', 'yaml: the METADATA block must be a mapping', file, b.row, b.col);
  }
  const r = raw as Record<string, unknown>;
  const scope = r.scope === undefined ? defaultScope : String(r.scope);
  if (!SCOPES.has(scope)) throw new RegoError('rego_parse_error', `invalid annotation scope '${scope}'`, file, b.row, b.col);
  const out: Record<string, unknown> = { scope };
  for (const key of ['title', 'description', 'entrypoint', 'custom']) if (r[key] !== undefined) out[key] = r[key];
  if (r.organizations !== undefined) out.organizations = asList(r.organizations);
  if (r.authors !== undefined) out.authors = authors(r.authors);
  if (r.schemas !== undefined) out.schemas = asList(r.schemas);
  if (r.related_resources !== undefined) {
    out.related_resources = asList(r.related_resources).map((x) => (typeof x === 'string' ? { ref: x } : x));
  }
  return { scope: scope as Annotation['scope'], value: fromJSON(out) };
}

/** Attaches each METADATA block to the package or rule that follows it. */
export function attachAnnotations(mod: Module, comments: Comment[]): void {
  for (const b of blocks(comments)) {
    if (mod.pkgLoc.row > b.lastRow) {
      mod.annotations = annotation(b, 'package', mod.file);
      continue;
    }
    const rule = mod.rules.find((r) => r.loc.row > b.lastRow);
    if (rule) rule.annotations = annotation(b, 'rule', mod.file);
  }
}

/** An entry of rego.metadata.chain(): a path and, when there are any, its annotations. */
export function chainEntry(path: Value[], annotations: Value | undefined): Value {
  const o = new RegoObject([['path', path]]);
  if (annotations !== undefined) o.set('annotations', annotations);
  return o;
}

// Which rules are "stable": their value depends on nothing but the base `data` document and
// the policy source. No `input`, no `with`, no clock, randomness, network or printing, and
// only other stable rules. Their values (and stable functions' results by argument) can be
// kept across queries that share the same base data object, which is what a gateway does on
// every request: `cfg := data.yori.config.x`, label tables, parsed schedules.

import { walkBody, walkTerm, type CExpr, type CFn, type CRule, type CTerm, type RuleNode } from './ir.js';
import { keyOf } from './value.js';

/** Built-ins whose result depends on the moment, or that act on the world. */
const IMPURE_BUILTINS = new Set([
  'http.send',
  'net.lookup_ip_addr',
  'opa.runtime',
  'trace',
  'io.jwt.decode_verify',
  'io.jwt.encode_sign',
  'io.jwt.encode_sign_raw',
  'crypto.x509.parse_and_verify_certificates',
  'crypto.x509.parse_and_verify_certificates_with_options',
]);

function isPureFn(fn: CFn, stable: (n: RuleNode) => boolean): boolean {
  if (fn.kind === 'func') return stable(fn.node);
  // def === null: engine functions such as print, which have side effects.
  return fn.def !== null && !fn.def.nondeterministic && !IMPURE_BUILTINS.has(fn.key);
}

function* rulesAt(node: RuleNode): Generator<CRule> {
  for (const first of node.defaultRule ? [...node.rules, node.defaultRule] : node.rules) {
    for (let r: CRule | null = first; r; r = r.else) yield r;
  }
}

/** Every node with rules at or below `node`. */
function* ruleNodesUnder(node: RuleNode): Generator<RuleNode> {
  if (node.hasRules) yield node;
  for (const c of node.children.values()) yield* ruleNodesUnder(c);
}

/** Sets `stable` on every rule node under `root`. */
export function markStable(root: RuleNode): void {
  const state = new Map<RuleNode, boolean | 'visiting'>();

  const stable = (node: RuleNode): boolean => {
    const s = state.get(node);
    if (s === 'visiting') return false; // recursion is a compile error; stay safe anyway
    if (s !== undefined) return s;
    state.set(node, 'visiting');
    let ok = true;
    for (const r of rulesAt(node)) if (!(ok = ruleIsStable(r))) break;
    // A rule node's document includes the rules below it.
    if (ok) for (const c of node.children.values()) if (!(ok = subtreeStable(c))) break;
    state.set(node, ok);
    node.stable = ok;
    return ok;
  };

  const subtreeStable = (node: RuleNode): boolean => {
    for (const n of ruleNodesUnder(node)) if (!stable(n)) return false;
    return true;
  };

  /** A `data` ref: every rule node it can reach must be stable. */
  const dataRefIsStable = (path: CTerm[]): boolean => {
    let node: RuleNode | undefined = root;
    for (const p of path) {
      if (node.hasRules) return stable(node);
      if (p.k !== 'const') return subtreeStable(node);
      node = node.children.get(keyOf(p.v));
      if (!node) return true; // base data only
    }
    return subtreeStable(node);
  };

  const ruleIsStable = (r: CRule): boolean => {
    let ok = true;
    const onTerm = (t: CTerm) => {
      if (!ok) return;
      if (t.k === 'input') ok = false;
      else if (t.k === 'data') ok = dataRefIsStable(t.path);
      else if (t.k === 'call') ok = isPureFn(t.fn, stable);
    };
    const onExpr = (e: CExpr) => {
      if (!ok) return;
      if (e.withs) ok = false;
      else if (e.k === 'call') ok = isPureFn(e.fn, stable);
    };
    for (const t of r.suffix) walkTerm(t, onTerm, onExpr);
    walkTerm(r.value, onTerm, onExpr);
    walkBody(r.body, onTerm, onExpr);
    return ok;
  };

  for (const node of ruleNodesUnder(root)) stable(node);
}

// strings.render_template: the commonly used part of Go's text/template —
// fields, variables, pipelines, if/else, range, with, and the builtin
// functions (and, or, not, len, index, print, printf, eq, ne, lt, le, gt, ge).
// A missing map key renders as "<undefined>", like OPA.

import { RegoObject, RegoSet, compare, equals, formatNumber, isNumber, type Value } from '../value.js';
import { EvalError } from './support.js';
import { goSprintf, type GoArg } from './gofmt.js';

const UNDEFINED = Symbol('undefined');
type TValue = Value | typeof UNDEFINED;

type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | { k: 'if' | 'with'; pipe: Pipe; then: Node[]; else: Node[] }
  | { k: 'range'; pipe: Pipe; keyVar?: string; valVar?: string; body: Node[]; else: Node[] };

interface Pipe {
  decl?: { names: string[]; assign: boolean };
  cmds: Arg[][];
}

type Arg =
  | { k: 'dot'; fields: string[] }
  | { k: 'var'; name: string; fields: string[] }
  | { k: 'lit'; v: Value }
  | { k: 'ident'; name: string }
  | { k: 'pipe'; pipe: Pipe; fields: string[] };

function fail(msg: string): never {
  throw new EvalError(`template: template:${msg}`);
}

// ---------------------------------------------------------------------------
// Parsing

const TOKEN = /\s+|"(?:[^"\\]|\\.)*"|`[^`]*`|:=|[=|(),]|\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*/y;

function tokenize(action: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < action.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(action);
    if (!m) fail(`1: unexpected ${JSON.stringify(action[at])} in command`);
    if (!/^\s+$/.test(m[0])) out.push(m[0]);
  }
  return out;
}

function parsePipe(toks: string[], pos = { i: 0 }, stop = ''): Pipe {
  const pipe: Pipe = { cmds: [] };
  // variable declarations: $x := ..., $i, $v := ...
  const save = pos.i;
  const names: string[] = [];
  while (toks[pos.i]?.startsWith('$') && !toks[pos.i]!.includes('.')) {
    names.push(toks[pos.i]!);
    pos.i++;
    if (toks[pos.i] === ',') pos.i++;
    else break;
  }
  if (names.length && (toks[pos.i] === ':=' || toks[pos.i] === '=')) {
    pipe.decl = { names, assign: toks[pos.i] === '=' };
    pos.i++;
  } else pos.i = save;
  let cmd: Arg[] = [];
  while (pos.i < toks.length && toks[pos.i] !== stop) {
    const t = toks[pos.i++]!;
    if (t === '|') {
      if (cmd.length === 0) fail('1: missing command');
      pipe.cmds.push(cmd);
      cmd = [];
    } else if (t === '(') {
      const inner = parsePipe(toks, pos, ')');
      if (toks[pos.i++] !== ')') fail('1: unclosed left paren');
      let fields: string[] = [];
      if (toks[pos.i]?.startsWith('.') && toks[pos.i] !== '.') fields = toks[pos.i++]!.slice(1).split('.');
      cmd.push({ k: 'pipe', pipe: inner, fields });
    } else cmd.push(parseArg(t));
  }
  if (cmd.length) pipe.cmds.push(cmd);
  if (pipe.cmds.length === 0) fail('1: missing value for command');
  return pipe;
}

function parseArg(t: string): Arg {
  if (t === '.') return { k: 'dot', fields: [] };
  if (t.startsWith('.')) return { k: 'dot', fields: t.slice(1).split('.') };
  if (t.startsWith('$')) {
    const [name, ...fields] = t.split('.');
    return { k: 'var', name: name!, fields };
  }
  if (t.startsWith('"')) return { k: 'lit', v: JSON.parse(t) as string };
  if (t.startsWith('`')) return { k: 'lit', v: t.slice(1, -1) };
  if (/^-?\d/.test(t)) return { k: 'lit', v: Number(t) };
  if (t === 'true' || t === 'false') return { k: 'lit', v: t === 'true' };
  if (t === 'nil') return { k: 'lit', v: null };
  return { k: 'ident', name: t };
}

/** Splits the source into text and actions, applying the {{- -}} trim markers. */
function lex(src: string): (string | { action: string })[] {
  const out: (string | { action: string })[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open === -1 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      out.push(text);
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && /\s/.test(src[start + 1] ?? '')) {
      text = text.replace(/\s+$/, '');
      start++;
    }
    out.push(text);
    const close = src.indexOf('}}', start);
    if (close === -1) fail('1: unclosed action');
    let end = close;
    trimNext = false;
    if (src[close - 1] === '-' && /\s/.test(src[close - 2] ?? '')) {
      trimNext = true;
      end--;
    }
    const action = src.slice(start, end).trim();
    if (!action.startsWith('/*')) out.push({ action });
    i = close + 2;
  }
  return out;
}

function parseTemplate(src: string): Node[] {
  const items = lex(src);
  let i = 0;
  /** A control structure whose opening action (if/with/range) has been read. */
  const control = (kw: 'if' | 'with' | 'range', toks: string[]): Node => {
    const pipe = parsePipe(toks);
    const body = block(['end', 'else']);
    let elseNodes: Node[] = [];
    if (body.end === 'else') elseNodes = block(['end']).nodes;
    else if (body.end === 'else-if') elseNodes = [control('if', body.rest!)]; // shares the outer {{end}}
    if (kw !== 'range') return { k: kw, pipe, then: body.nodes, else: elseNodes };
    const names = pipe.decl?.names ?? [];
    const node: Node = { k: 'range', pipe: { cmds: pipe.cmds }, body: body.nodes, else: elseNodes };
    if (names.length === 2) [node.keyVar, node.valVar] = names;
    else if (names.length === 1) node.valVar = names[0];
    return node;
  };
  const block = (ends: string[]): { nodes: Node[]; end: string; rest?: string[] } => {
    const nodes: Node[] = [];
    while (i < items.length) {
      const it = items[i++]!;
      if (typeof it === 'string') {
        if (it) nodes.push({ k: 'text', text: it });
        continue;
      }
      const toks = tokenize(it.action);
      const kw = toks[0];
      if (kw === 'end' || kw === 'else') {
        if (!ends.includes(kw)) fail(`1: unexpected {{${kw}}}`);
        if (kw === 'else' && toks[1] === 'if') return { nodes, end: 'else-if', rest: toks.slice(2) };
        return { nodes, end: kw };
      }
      if (kw === 'if' || kw === 'with' || kw === 'range') nodes.push(control(kw, toks.slice(1)));
      else if (kw === 'define' || kw === 'template' || kw === 'block') fail(`1: ${kw} is not supported`);
      else nodes.push({ k: 'action', pipe: parsePipe(toks) });
    }
    if (ends.length) fail('1: unexpected EOF');
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

// ---------------------------------------------------------------------------
// Execution

function truthy(v: TValue): boolean {
  if (v === UNDEFINED || v === null || v === false) return false;
  if (v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof RegoObject || v instanceof RegoSet) return v.size > 0;
  return true;
}

/** fmt.Sprint of the decoded JSON value (map[k:v], [a b]). */
function show(v: TValue): string {
  if (v === UNDEFINED) return '<undefined>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  if (isNumber(v)) return formatNumber(v);
  if (Array.isArray(v)) return '[' + v.map(show).join(' ') + ']';
  if (v instanceof RegoSet) return '[' + v.values().map(show).join(' ') + ']';
  return 'map[' + v.entries().map(([k, x]) => `${show(k)}:${show(x)}`).join(' ') + ']';
}

function field(v: TValue, name: string): TValue {
  if (v instanceof RegoObject) return v.get(name) ?? UNDEFINED;
  if (v === UNDEFINED || v === null) return UNDEFINED;
  return fail(`1: can't evaluate field ${name} in type ${typeof v}`);
}

class Exec {
  out = '';
  private readonly scopes: Map<string, TValue>[] = [];

  constructor(root: Value) {
    this.scopes.push(new Map([['$', root]]));
  }

  private lookup(name: string): TValue {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (this.scopes[i]!.has(name)) return this.scopes[i]!.get(name)!;
    return fail(`1: undefined variable: ${name}`);
  }

  private set(name: string, v: TValue, assign: boolean): void {
    if (assign) {
      for (let i = this.scopes.length - 1; i >= 0; i--) {
        if (this.scopes[i]!.has(name)) {
          this.scopes[i]!.set(name, v);
          return;
        }
      }
    }
    this.scopes[this.scopes.length - 1]!.set(name, v);
  }

  private arg(a: Arg, dot: TValue, final?: TValue): TValue {
    switch (a.k) {
      case 'dot':
        return a.fields.reduce<TValue>(field, dot);
      case 'var':
        return a.fields.reduce<TValue>(field, this.lookup(a.name));
      case 'lit':
        return a.v;
      case 'pipe':
        return a.fields.reduce<TValue>(field, this.pipe(a.pipe, dot));
      case 'ident':
        return this.call(a.name, [], final);
    }
  }

  private call(name: string, args: TValue[], final?: TValue): TValue {
    if (final !== undefined) args = [...args, final];
    const num = (x: TValue) => (typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x) ? Number(x) : x);
    const cmp = (x: TValue, y: TValue) => compare(num(x) as Value, num(y) as Value);
    switch (name) {
      case 'and':
        return args.find((x) => !truthy(x)) ?? args[args.length - 1]!;
      case 'or':
        return args.find(truthy) ?? args[args.length - 1]!;
      case 'not':
        return !truthy(args[0]!);
      case 'len': {
        const x = args[0];
        if (typeof x === 'string') return Buffer.byteLength(x);
        if (Array.isArray(x)) return x.length;
        if (x instanceof RegoObject || x instanceof RegoSet) return x.size;
        return fail(`1: error calling len: len of ${show(x!)}`);
      }
      case 'index':
        return args.slice(1).reduce<TValue>((x, k) => {
          if (Array.isArray(x) && typeof k === 'number') return x[k] ?? fail('1: error calling index: index out of range');
          if (x instanceof RegoObject && k !== UNDEFINED) return x.get(k) ?? UNDEFINED;
          return UNDEFINED;
        }, args[0]!);
      case 'print':
        return args.map(show).join('');
      case 'println':
        return args.map(show).join(' ') + '\n';
      case 'printf':
        return goSprintf(show(args[0]!), args.slice(1).map(goArg));
      case 'eq':
        return args.slice(1).some((y) => args[0] !== UNDEFINED && y !== UNDEFINED && equals(num(args[0]!) as Value, num(y) as Value));
      case 'ne':
        return !equals(num(args[0]!) as Value, num(args[1]!) as Value);
      case 'lt':
        return cmp(args[0]!, args[1]!) < 0;
      case 'le':
        return cmp(args[0]!, args[1]!) <= 0;
      case 'gt':
        return cmp(args[0]!, args[1]!) > 0;
      case 'ge':
        return cmp(args[0]!, args[1]!) >= 0;
    }
    return fail(`1: function ${JSON.stringify(name)} not defined`);
  }

  pipe(p: Pipe, dot: TValue): TValue {
    let value: TValue | undefined;
    for (const cmd of p.cmds) {
      const [head, ...rest] = cmd;
      if (head!.k === 'ident') value = this.call(head!.name, rest.map((a) => this.arg(a, dot)), value);
      else {
        if (rest.length) fail(`1: can't give argument to non-function`);
        value = this.arg(head!, dot, value);
      }
    }
    if (p.decl) for (const n of p.decl.names) this.set(n, value!, p.decl.assign);
    return value!;
  }

  run(nodes: Node[], dot: TValue): void {
    for (const n of nodes) {
      switch (n.k) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (!n.pipe.decl) this.out += show(v);
          break;
        }
        case 'if':
        case 'with': {
          const v = this.pipe(n.pipe, dot);
          this.scopes.push(new Map());
          if (truthy(v)) this.run(n.then, n.k === 'with' ? v : dot);
          else this.run(n.else, dot);
          this.scopes.pop();
          break;
        }
        case 'range': {
          const v = this.pipe(n.pipe, dot);
          const pairs: [Value, Value][] = Array.isArray(v)
            ? v.map((x, i) => [i, x])
            : v instanceof RegoSet
              ? v.values().map((x, i) => [i, x])
              : v instanceof RegoObject
                ? [...v.entries()]
                : [];
          if (pairs.length === 0) {
            this.run(n.else, dot);
            break;
          }
          for (const [k, x] of pairs) {
            this.scopes.push(new Map());
            if (n.keyVar) this.set(n.keyVar, k, false);
            if (n.valVar) this.set(n.valVar, x, false);
            this.run(n.body, x);
            this.scopes.pop();
          }
          break;
        }
      }
    }
  }
}

function goArg(v: TValue): GoArg {
  if (typeof v === 'number' && Number.isInteger(v)) return { kind: 'int', v: BigInt(v) };
  if (typeof v === 'bigint') return { kind: 'bigint', v };
  if (typeof v === 'number') return { kind: 'float', v };
  return { kind: 'string', v: show(v) };
}

export function renderTemplate(src: string, vars: RegoObject): string {
  const exec = new Exec(vars);
  exec.run(parseTemplate(src), vars);
  return exec.out;
}

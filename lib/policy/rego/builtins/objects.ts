// object.*, json.filter/remove/patch, walk and graph.* built-ins.

import { RegoObject, RegoSet, equals, isInteger, typeName, type Value } from '../value.js';
import { EvalError, OperandError, arr, builtin, elementErr, obj, operandErr, relation, typeErr, type BuiltinDef } from './support.js';

/** Keys given as an array, set or object (its keys). */
function keySet(v: Value): RegoSet {
  if (Array.isArray(v)) return new RegoSet(v);
  if (v instanceof RegoSet) return v;
  if (v instanceof RegoObject) return new RegoSet(v.keys());
  throw typeErr(2, v, 'object', 'set', 'array');
}

/** OPA's mergeWithOverwrite: b wins, nested objects merge recursively. */
function mergeObjects(a: RegoObject, b: RegoObject): RegoObject {
  const out = a.clone();
  for (const [k, v] of b) {
    const old = out.get(k);
    out.set(k, old instanceof RegoObject && v instanceof RegoObject ? mergeObjects(old, v) : v);
  }
  return out;
}

/** OPA's filterObject: keeps what the filter tree names (null leaves keep everything below). */
function filterValue(v: Value, filter: Value): Value {
  if (filter === null) return v;
  if (!(filter instanceof RegoObject)) throw new EvalError('invalid filter value, expected an object');
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((e, i) => {
      const sub = filter.get(String(i));
      if (sub !== undefined) out.push(filterValue(e, sub));
    });
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const e of v) {
      const sub = filter.get(e);
      if (sub !== undefined) out.add(filterValue(e, sub));
    }
    return out;
  }
  if (v instanceof RegoObject) {
    const out = new RegoObject();
    for (const [k, sub] of filter) {
      const e = v.get(k);
      if (e !== undefined) out.set(k, filterValue(e, sub));
    }
    return out;
  }
  return v;
}

/** A JSON path operand element: "/a/b" (with ~0 ~1 escapes) or an array of segments. */
function parsePath(p: Value): Value[] {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p
      .replace(/^\/+/, '')
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(p)) return p;
  throw operandErr(2, `must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

function jsonPaths(v: Value): Value[][] {
  if (Array.isArray(v)) return v.map(parsePath);
  if (v instanceof RegoSet) return v.values().map(parsePath);
  throw typeErr(2, v, 'set', 'array');
}

/** OPA's pathsToObject: a tree of objects whose null leaves mark the selected paths. */
function pathsToTree(paths: Value[][]): RegoObject {
  const root = new RegoObject();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const child = node.get(path[i]!);
      if (child === undefined) {
        const next = new RegoObject();
        node.set(path[i]!, next);
        node = next;
      } else if (child === null) done = true;
      else node = child as RegoObject;
    }
    if (!done) node.set(path[path.length - 1]!, null);
  }
  return root;
}

/** OPA's jsonRemove: drops what the tree's null leaves name; undefined = removed. */
function removeTree(v: Value, tree: Value | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (!(tree instanceof RegoObject)) return v;
  if (v instanceof RegoObject) {
    const out = new RegoObject();
    for (const [k, e] of v) {
      const r = removeTree(e, tree.get(k));
      if (r !== undefined) out.set(k, r);
    }
    return out;
  }
  if (v instanceof RegoSet) {
    const out = new RegoSet();
    for (const e of v) {
      const r = removeTree(e, tree.get(e));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((e, i) => {
      const r = removeTree(e, tree.get(String(i)));
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------
// JSON Patch (RFC 6902) over Rego values, with OPA's set extension: a set
// member is addressed by the member itself.

class PatchError extends Error {}

function arrayIndex(seg: Value, length: number, forInsert: boolean): number {
  if (forInsert && seg === '-') return length;
  let n: number;
  if (typeof seg === 'string') {
    if (!/^(0|[1-9]\d*)$/.test(seg)) throw new PatchError('bad array index');
    n = Number(seg);
  } else if (isInteger(seg)) n = Number(seg);
  else throw new PatchError('bad array index');
  if (n < 0 || n > (forInsert ? length : length - 1)) throw new PatchError('index out of range');
  return n;
}

function getAt(doc: Value, path: Value[]): Value {
  let cur = doc;
  for (const seg of path) {
    let next: Value | undefined;
    if (cur instanceof RegoObject) next = cur.get(seg);
    else if (cur instanceof RegoSet) next = cur.has(seg) ? seg : undefined;
    else if (Array.isArray(cur)) next = cur[arrayIndex(seg, cur.length, false)];
    if (next === undefined) throw new PatchError('path not found');
    cur = next;
  }
  return cur;
}

/** Rebuilds doc with the container at `path` transformed by `edit`. */
function editAt(doc: Value, path: Value[], edit: (container: Value, last: Value) => Value): Value {
  if (path.length === 1) return edit(doc, path[0]!);
  const [seg, ...rest] = path as [Value, ...Value[]];
  if (doc instanceof RegoObject) {
    const child = doc.get(seg);
    if (child === undefined) throw new PatchError('path not found');
    return doc.clone().set(seg, editAt(child, rest, edit));
  }
  if (doc instanceof RegoSet) {
    if (!doc.has(seg)) throw new PatchError('path not found');
    const out = doc.clone();
    out.delete(seg);
    return out.add(editAt(seg, rest, edit));
  }
  if (Array.isArray(doc)) {
    const i = arrayIndex(seg, doc.length, false);
    const out = [...doc];
    out[i] = editAt(doc[i]!, rest, edit);
    return out;
  }
  throw new PatchError('path not found');
}

function insertAt(doc: Value, path: Value[], value: Value): Value {
  if (path.length === 0) return value;
  return editAt(doc, path, (c, last) => {
    if (c instanceof RegoObject) return c.clone().set(last, value);
    if (c instanceof RegoSet) {
      if (!equals(last, value)) throw new PatchError('set member and value differ');
      return c.clone().add(value);
    }
    if (Array.isArray(c)) {
      const i = arrayIndex(last, c.length, true);
      return [...c.slice(0, i), value, ...c.slice(i)];
    }
    throw new PatchError('cannot insert into a scalar');
  });
}

function deleteAt(doc: Value, path: Value[]): Value {
  if (path.length === 0) return null;
  return editAt(doc, path, (c, last) => {
    if (c instanceof RegoObject || c instanceof RegoSet) {
      if (!c.has(last)) throw new PatchError('path not found');
      const out = c.clone();
      out.delete(last);
      return out;
    }
    if (Array.isArray(c)) {
      const i = arrayIndex(last, c.length, false);
      return [...c.slice(0, i), ...c.slice(i + 1)];
    }
    throw new PatchError('cannot delete from a scalar');
  });
}

const PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function applyPatch(doc: Value, ops: Value[]): Value {
  for (const op of ops) {
    if (!(op instanceof RegoObject)) throw new PatchError('not an object');
    const attr = (name: string): Value => {
      const v = op.get(name);
      if (v === undefined) throw new PatchError(`missing '${name}' attribute`);
      return v;
    };
    const kind = attr('op');
    if (typeof kind !== 'string' || !PATCH_OPS.has(kind)) throw new PatchError('bad op');
    const path = parsePath(attr('path'));
    switch (kind) {
      case 'add':
        doc = insertAt(doc, path, attr('value'));
        break;
      case 'remove':
        doc = deleteAt(doc, path);
        break;
      case 'replace': {
        const value = attr('value');
        doc = insertAt(deleteAt(doc, path), path, value);
        break;
      }
      case 'move': {
        const from = parsePath(attr('from'));
        const chunk = getAt(doc, from);
        doc = insertAt(deleteAt(doc, from), path, chunk);
        break;
      }
      case 'copy': {
        const from = parsePath(attr('from'));
        doc = insertAt(doc, path, getAt(doc, from));
        break;
      }
      case 'test':
        if (!equals(getAt(doc, path), attr('value'))) throw new PatchError('test failed');
        break;
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------
// object.subset

function isSubset(sup: Value, sub: Value): boolean {
  if (sup instanceof RegoObject && sub instanceof RegoObject) {
    for (const [k, v] of sub) {
      const s = sup.get(k);
      if (s === undefined || !isSubset(s, v)) return false;
    }
    return true;
  }
  if (sup instanceof RegoSet && sub instanceof RegoSet) return sub.values().every((e) => sup.has(e));
  if (Array.isArray(sup) && Array.isArray(sub)) {
    // sub must appear as a contiguous run in sup
    if (sub.length === 0) return true;
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((e, j) => equals(sup[i + j]!, e))) return true;
    }
    return false;
  }
  if (Array.isArray(sup) && sub instanceof RegoSet) return sub.values().every((e) => sup.some((x) => equals(x, e)));
  return equals(sup, sub);
}

// ---------------------------------------------------------------------------
// walk and graphs

function walkInto(v: Value, path: Value[], out: Value[]): void {
  out.push([path, v]);
  if (v instanceof RegoObject) for (const [k, e] of v) walkInto(e, [...path, k], out);
  else if (Array.isArray(v)) v.forEach((e, i) => walkInto(e, [...path, i], out));
  else if (v instanceof RegoSet) for (const e of v) walkInto(e, [...path, e], out);
}

function vertices(v: Value | undefined): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  return [];
}

function initialVertices(v: Value): readonly Value[] {
  if (!Array.isArray(v) && !(v instanceof RegoSet)) throw typeErr(2, v, '{array, set}');
  return vertices(v);
}

function reachable(graph: RegoObject, initial: readonly Value[]): RegoSet {
  const reached = new RegoSet();
  const queue = [...initial];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    const edges = graph.get(node);
    if (edges === undefined || reached.has(node)) continue;
    for (const n of vertices(edges)) if (!reached.has(n)) queue.push(n);
    reached.add(node);
  }
  return reached;
}

function pathsFrom(graph: RegoObject, root: Value, path: Value[], out: RegoSet, reached: RegoSet): void {
  const edges = graph.get(root);
  if (edges === undefined) {
    out.add(path);
    return;
  }
  const here = [...path, root];
  const next = vertices(edges);
  if (next.length === 0) {
    out.add(here);
    return;
  }
  const seen = reached.clone().add(root);
  for (const n of next) {
    if (seen.has(n)) out.add(here);
    else pathsFrom(graph, n, here, out, seen);
  }
}

export const objectBuiltins: BuiltinDef[] = [
  builtin('object.get', 3, ([o, k, d]) => {
    const object = obj(o!, 1);
    if (!Array.isArray(k)) return object.get(k!) ?? d!;
    if (k.length === 0) return object;
    let cur: Value = object;
    for (const seg of k) {
      let next: Value | undefined;
      if (cur instanceof RegoObject) next = cur.get(seg);
      else if (cur instanceof RegoSet) next = cur.has(seg) ? seg : undefined;
      else if (Array.isArray(cur) && isInteger(seg)) next = cur[Number(seg)];
      if (next === undefined) return d!;
      cur = next;
    }
    return cur;
  }),
  builtin('object.keys', 1, ([o]) => new RegoSet(obj(o!, 1).keys())),
  builtin('object.remove', 2, ([o, k]) => {
    const object = obj(o!, 1);
    const keys = keySet(k!);
    const out = new RegoObject();
    for (const [key, v] of object) if (!keys.has(key)) out.set(key, v);
    return out;
  }),
  builtin('object.filter', 2, ([o, k]) => {
    const object = obj(o!, 1);
    const keys = keySet(k!);
    const out = new RegoObject();
    for (const key of keys) {
      const v = object.get(key);
      if (v !== undefined) out.set(key, v);
    }
    return out;
  }),
  builtin('object.union', 2, ([a, b]) => mergeObjects(obj(a!, 1), obj(b!, 2))),
  builtin('object.union_n', 1, ([a]) => {
    const xs = arr(a!, 1);
    let out = new RegoObject();
    for (const x of xs) {
      if (!(x instanceof RegoObject)) throw elementErr(1, xs, x, 'object');
      out = mergeObjects(out, x);
    }
    return out;
  }),
  builtin('object.subset', 2, ([sup, sub]) => {
    const ok =
      (sup instanceof RegoObject && sub instanceof RegoObject) ||
      (sup instanceof RegoSet && sub instanceof RegoSet) ||
      (Array.isArray(sup) && (Array.isArray(sub) || sub instanceof RegoSet));
    if (!ok) throw new OperandError('both arguments object.subset must be of the same type or array and set');
    return isSubset(sup!, sub!);
  }),
  builtin('json.filter', 2, ([o, p]) => filterValue(obj(o!, 1), pathsToTree(jsonPaths(p!)))),
  builtin('json.remove', 2, ([o, p]) => removeTree(obj(o!, 1), pathsToTree(jsonPaths(p!)))),
  builtin('json.patch', 2, ([doc, ops]) => {
    const list = arr(ops!, 2);
    try {
      return applyPatch(doc!, list);
    } catch {
      return undefined; // OPA: a patch that cannot be applied is undefined, not an error
    }
  }),
  relation('walk', 1, ([v]) => {
    const out: Value[] = [];
    walkInto(v!, [], out);
    return out;
  }),
  builtin('graph.reachable', 2, ([g, i]) => reachable(obj(g!, 1), initialVertices(i!))),
  builtin('graph.reachable_paths', 2, ([g, i]) => {
    const graph = obj(g!, 1);
    const out = new RegoSet();
    for (const node of initialVertices(i!)) {
      const edges = graph.get(node);
      if (edges === undefined) continue;
      const next = vertices(edges);
      if (next.length === 0) out.add([node]);
      for (const n of next) pathsFrom(graph, n, [node], out, new RegoSet([node]));
    }
    return out;
  }),
];

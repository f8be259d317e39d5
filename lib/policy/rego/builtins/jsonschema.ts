// json.verify_schema / json.match_schema: JSON Schema (draft 4–7 keywords)
// with the error shapes and texts of gojsonschema, which OPA uses.

import { RegoObject, RegoSet, equals, formatNumber, isInteger, stringifyJSON, toDouble, type Value } from '../value.js';
import { EvalError, builtin, typeErr, type BuiltinDef } from './support.js';
import { parseJSON } from './json.js';
import { getRegex } from './re2.js';

const TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

class SchemaError extends Error {}

function schemaOperand(v: Value, pos: number): Value {
  if (typeof v === 'string') {
    try {
      return parseJSON(v);
    } catch (e) {
      throw new SchemaError((e as Error).message);
    }
  }
  if (v instanceof RegoObject || typeof v === 'boolean') return v;
  throw typeErr(pos, v, 'string', 'object');
}

/** Checks the schema's own shape (the parts a validator relies on). */
function checkSchema(s: Value, root: Value): void {
  if (typeof s === 'boolean') return;
  if (!(s instanceof RegoObject)) throw new SchemaError('Invalid schema: schema must be an object or a boolean');
  const type = s.get('type');
  if (type !== undefined) {
    const list = Array.isArray(type) ? type : [type];
    for (const t of list) {
      if (typeof t !== 'string' || !TYPES.includes(t)) {
        throw new SchemaError(`has a primitive type that is NOT VALID -- given: /${typeof t === 'string' ? t : stringifyJSON(t)}/ Expected valid values are:[${TYPES.join(' ')}]`);
      }
    }
  }
  for (const key of ['properties', 'patternProperties', 'definitions', '$defs']) {
    const m = s.get(key);
    if (m instanceof RegoObject) for (const sub of m.values()) checkSchema(sub, root);
  }
  for (const key of ['items', 'additionalProperties', 'additionalItems', 'not', 'contains', 'propertyNames', 'if', 'then', 'else']) {
    const sub = s.get(key);
    if (Array.isArray(sub)) sub.forEach((x) => checkSchema(x, root));
    else if (sub instanceof RegoObject) checkSchema(sub, root);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = s.get(key);
    if (Array.isArray(list)) list.forEach((x) => checkSchema(x, root));
  }
  const ref = s.get('$ref');
  if (typeof ref === 'string') resolveRef(root, ref);
  for (const p of [s.get('pattern'), ...(s.get('patternProperties') instanceof RegoObject ? (s.get('patternProperties') as RegoObject).keys() : [])]) {
    if (typeof p !== 'string') continue;
    try {
      getRegex(p);
    } catch (e) {
      throw new SchemaError((e as Error).message);
    }
  }
}

function resolveRef(root: Value, ref: string): Value {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) throw new SchemaError(`unsupported $ref ${ref}`);
  let cur: Value | undefined = root;
  for (const raw of ref.slice(2).split('/')) {
    const seg = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    cur = cur instanceof RegoObject ? cur.get(seg) : Array.isArray(cur) ? cur[Number(seg)] : undefined;
    if (cur === undefined) throw new SchemaError(`Object has no key '${seg}'`);
  }
  return cur;
}

interface SchemaViolation {
  type: string;
  field: string;
  desc: string;
}

function typeOf(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return isInteger(v) ? 'integer' : 'number';
  if (Array.isArray(v) || v instanceof RegoSet) return 'array';
  return 'object';
}

function field(path: string[]): string {
  return path.length ? path.join('.') : '(root)';
}

class Validator {
  readonly errors: SchemaViolation[] = [];
  constructor(private readonly root: Value) {}

  private add(type: string, path: string[], desc: string): void {
    this.errors.push({ type, field: field(path), desc });
  }

  /** Validates into a scratch validator, for anyOf/oneOf/not. */
  private passes(schema: Value, v: Value, path: string[]): boolean {
    const scratch = new Validator(this.root);
    scratch.validate(schema, v, path);
    return scratch.errors.length === 0;
  }

  validate(schema: Value, v: Value, path: string[], refs = 0): void {
    if (schema === true) return;
    if (schema === false) return this.add('false', path, 'False always fails validation');
    const s = schema as RegoObject;
    const ref = s.get('$ref');
    if (typeof ref === 'string') {
      // a $ref that leads back to itself without consuming the document never ends
      if (refs > 32) throw new EvalError(`$ref ${ref} refers to itself`);
      return this.validate(resolveRef(this.root, ref), v, path, refs + 1);
    }
    const actual = typeOf(v);
    const type = s.get('type');
    if (type !== undefined) {
      const allowed = (Array.isArray(type) ? type : [type]) as string[];
      const ok = allowed.includes(actual) || (actual === 'integer' && allowed.includes('number'));
      if (!ok) return this.add('invalid_type', path, `Invalid type. Expected: ${allowed.join('/')}, given: ${actual}`);
    }
    const en = s.get('enum');
    if (Array.isArray(en) && !en.some((e) => equals(e, v))) {
      this.add('enum', path, `${field(path)} must be one of the following: ${en.map(stringifyJSON).join(', ')}`);
    }
    const cst = s.get('const');
    if (cst !== undefined && !equals(cst, v)) this.add('const', path, `${field(path)} does not match: ${stringifyJSON(cst)}`);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s.get(key);
      if (!Array.isArray(list)) continue;
      const passing = list.filter((sub) => this.passes(sub, v, path)).length;
      if (key === 'allOf' && passing !== list.length) {
        list.forEach((sub) => this.validate(sub, v, path));
        this.add('number_all_of', path, 'Must validate all the schemas (allOf)');
      }
      if (key === 'anyOf' && passing === 0) this.add('number_any_of', path, 'Must validate at least one schema (anyOf)');
      if (key === 'oneOf' && passing !== 1) this.add('number_one_of', path, 'Must validate one and only one schema (oneOf)');
    }
    const not = s.get('not');
    if (not !== undefined && this.passes(not, v, path)) this.add('number_not', path, 'Must not validate the schema (not)');
    if (typeof v === 'string') this.string(s, v, path);
    else if (typeof v === 'number' || typeof v === 'bigint') this.number(s, v, path);
    else if (Array.isArray(v) || v instanceof RegoSet) this.array(s, Array.isArray(v) ? v : [...v.values()], path);
    else if (v instanceof RegoObject) this.object(s, v, path);
  }

  private string(s: RegoObject, v: string, path: string[]): void {
    const len = [...v].length;
    const min = s.get('minLength');
    const max = s.get('maxLength');
    if (typeof min === 'number' && len < min) this.add('string_gte', path, `String length must be greater than or equal to ${min}`);
    if (typeof max === 'number' && len > max) this.add('string_lte', path, `String length must be less than or equal to ${max}`);
    const pattern = s.get('pattern');
    if (typeof pattern === 'string') {
      if (!getRegex(pattern).test(v)) this.add('pattern', path, `Does not match pattern '${pattern}'`);
    }
  }

  private number(s: RegoObject, v: number | bigint, path: string[]): void {
    const x = toDouble(v);
    const n = (k: string) => {
      const b = s.get(k);
      return typeof b === 'number' || typeof b === 'bigint' ? b : undefined;
    };
    const min = n('minimum');
    const max = n('maximum');
    const exMin = s.get('exclusiveMinimum');
    const exMax = s.get('exclusiveMaximum');
    if (min !== undefined) {
      if (exMin === true ? x <= toDouble(min) : x < toDouble(min)) {
        this.add(exMin === true ? 'number_gt' : 'number_gte', path, `Must be greater than ${exMin === true ? '' : 'or equal to '}${formatNumber(min)}`);
      }
    }
    if (max !== undefined) {
      if (exMax === true ? x >= toDouble(max) : x > toDouble(max)) {
        this.add(exMax === true ? 'number_lt' : 'number_lte', path, `Must be less than ${exMax === true ? '' : 'or equal to '}${formatNumber(max)}`);
      }
    }
    if ((typeof exMin === 'number' || typeof exMin === 'bigint') && x <= toDouble(exMin)) this.add('number_gt', path, `Must be greater than ${formatNumber(exMin)}`);
    if ((typeof exMax === 'number' || typeof exMax === 'bigint') && x >= toDouble(exMax)) this.add('number_lt', path, `Must be less than ${formatNumber(exMax)}`);
    const mult = n('multipleOf');
    if (mult !== undefined && toDouble(mult) !== 0 && !Number.isInteger(x / toDouble(mult))) {
      this.add('multiple_of', path, `Must be a multiple of ${formatNumber(mult)}`);
    }
  }

  private array(s: RegoObject, items: readonly Value[], path: string[]): void {
    const min = s.get('minItems');
    const max = s.get('maxItems');
    if (typeof min === 'number' && items.length < min) this.add('array_min_items', path, `Array must have at least ${min} items`);
    if (typeof max === 'number' && items.length > max) this.add('array_max_items', path, `Array must have at most ${max} items`);
    if (s.get('uniqueItems') === true) {
      outer: for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          if (equals(items[i]!, items[j]!)) {
            this.add('unique', path, `array items[${i},${j}] must be unique`);
            break outer;
          }
        }
      }
    }
    const itemSchema = s.get('items');
    if (Array.isArray(itemSchema)) {
      items.forEach((x, i) => {
        if (i < itemSchema.length) this.validate(itemSchema[i]!, x, [...path, String(i)]);
        else {
          const extra = s.get('additionalItems');
          if (extra === false) this.add('array_no_additional_items', path, 'No additional items allowed on array');
          else if (extra instanceof RegoObject) this.validate(extra, x, [...path, String(i)]);
        }
      });
    } else if (itemSchema !== undefined) {
      items.forEach((x, i) => this.validate(itemSchema, x, [...path, String(i)]));
    }
    const contains = s.get('contains');
    if (contains !== undefined && !items.some((x, i) => this.passes(contains, x, [...path, String(i)]))) {
      this.add('contains', path, 'At least one of the items must match');
    }
  }

  private object(s: RegoObject, o: RegoObject, path: string[]): void {
    const required = s.get('required');
    if (Array.isArray(required)) {
      for (const r of required) if (typeof r === 'string' && !o.has(r)) this.add('required', path, `${r} is required`);
    }
    const min = s.get('minProperties');
    const max = s.get('maxProperties');
    if (typeof min === 'number' && o.size < min) this.add('array_min_properties', path, `Must have at least ${min} properties`);
    if (typeof max === 'number' && o.size > max) this.add('array_max_properties', path, `Must have at most ${max} properties`);
    const props = s.get('properties');
    const patterns = s.get('patternProperties');
    const additional = s.get('additionalProperties');
    for (const [k, v] of o) {
      const key = typeof k === 'string' ? k : stringifyJSON(k);
      let matched = false;
      if (props instanceof RegoObject) {
        const sub = props.get(key);
        if (sub !== undefined) {
          matched = true;
          this.validate(sub, v, [...path, key]);
        }
      }
      if (patterns instanceof RegoObject) {
        for (const [p, sub] of patterns) {
          if (getRegex(p as string).test(key)) {
            matched = true;
            this.validate(sub, v, [...path, key]);
          }
        }
      }
      if (!matched && additional === false) this.add('additional_property_not_allowed', path, `Additional property ${key} is not allowed`);
      else if (!matched && additional instanceof RegoObject) this.validate(additional, v, [...path, key]);
    }
    const deps = s.get('dependencies');
    if (deps instanceof RegoObject) {
      for (const [k, dep] of deps) {
        if (!o.has(k)) continue;
        if (Array.isArray(dep)) {
          for (const d of dep) if (typeof d === 'string' && !o.has(d)) this.add('missing_dependency', path, `Has a dependency on ${d}`);
        } else this.validate(dep, o, path);
      }
    }
  }
}

function loadSchema(v: Value, pos: number): Value {
  const schema = schemaOperand(v, pos);
  checkSchema(schema, schema);
  return schema;
}

export const schemaBuiltins: BuiltinDef[] = [
  builtin('json.verify_schema', 1, ([s]) => {
    try {
      loadSchema(s!, 1);
      return [true, null];
    } catch (e) {
      if (e instanceof SchemaError) return [false, `jsonschema: ${e.message}`];
      throw e;
    }
  }),
  builtin('json.match_schema', 2, ([d, s]) => {
    let schema: Value;
    let doc: Value;
    try {
      doc = typeof d === 'string' ? parseJSON(d) : d!;
      schema = loadSchema(s!, 2);
    } catch (e) {
      if (e instanceof SchemaError) throw new EvalError(e.message);
      throw e;
    }
    const v = new Validator(schema);
    v.validate(schema, doc, []);
    const errors = v.errors.map((x) => RegoObject.fromRecord({ error: `${x.field}: ${x.desc}`, desc: x.desc, field: x.field, type: x.type }));
    return [errors.length === 0, errors];
  }),
];

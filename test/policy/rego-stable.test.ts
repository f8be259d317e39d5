/**
 * Stable rules (lib/policy/rego/stable.ts): values that depend only on base data are computed
 * once per data object and reused by later queries; anything that reads input, the clock, or
 * runs under `with` is evaluated every time. A counting built-in shows how often a body runs.
 */
import t from 'tap';
import { compileModules } from '../../lib/policy/rego/index.js';
import type { BuiltinDef } from '../../lib/policy/rego/builtins/index.js';
import { fromJSON, toJSON } from '../../lib/policy/rego/value.js';

function counted() {
  const calls: unknown[] = [];
  const def: BuiltinDef = {
    name: 'test.count',
    arity: 1,
    fn: ([x]) => {
      calls.push(toJSON(x!));
      return x;
    },
  };
  return { def, calls };
}

const SOURCE = `package p
import rego.v1

cfg := test.count(data.cfg)
limit := cfg.limit * 2
labels := {k: test.count(v) | some k, v in data.labels}
double(x) := test.count(x * 2)
stable_fn := double(cfg.limit)

dyn := test.count(input.x)
over if input.n > limit
clock := test.count(time.now_ns())
from_input_fn := double(input.x)
overridden := x if {
  x := test.count(data.cfg.limit) with data.cfg.limit as 99
}
printed if {
  print("hello")
  test.count("p")
}
`;

function setup() {
  const c = counted();
  const policy = compileModules([{ name: 'p.rego', source: SOURCE }], { builtins: [c.def] });
  return { ...c, policy };
}

t.test('a rule that reads only data is computed once per data object', async (t) => {
  const { policy, calls } = setup();
  const q = policy.prepare('x := data.p.limit; y := data.p.labels');
  const data = fromJSON({ cfg: { limit: 5 }, labels: { a: 'A', b: 'B' } });
  for (let i = 0; i < 3; i++) {
    const r = q.eval({ data, input: { n: i } });
    t.same(r.results, [{ x: 10, y: { a: 'A', b: 'B' } }]);
  }
  t.same(calls, [{ limit: 5 }, 'A', 'B'], 'cfg and labels ran once for three queries');

  calls.length = 0;
  const next = fromJSON({ cfg: { limit: 7 }, labels: {} });
  t.same(q.eval({ data: next }).results, [{ x: 14, y: {} }], 'another data object: recomputed, no stale value');
  t.same(calls, [{ limit: 7 }]);
});

t.test('stable functions keep their results by argument across queries', async (t) => {
  const { policy, calls } = setup();
  const q = policy.prepare('x := data.p.stable_fn');
  const data = fromJSON({ cfg: { limit: 4 } });
  t.same(q.eval({ data }).results, [{ x: 8 }]);
  t.same(q.eval({ data }).results, [{ x: 8 }]);
  t.same(calls, [{ limit: 4 }, 8]);
});

t.test('input, the clock, with and print are evaluated every time', async (t) => {
  const { policy, calls } = setup();
  const data = fromJSON({ cfg: { limit: 3 } });

  const dyn = policy.prepare('x := data.p.dyn');
  t.same(dyn.eval({ data, input: { x: 1 } }).results, [{ x: 1 }]);
  t.same(dyn.eval({ data, input: { x: 2 } }).results, [{ x: 2 }]);
  t.same(calls, [1, 2]);

  calls.length = 0;
  const over = policy.prepare('x := data.p.over');
  t.same(over.eval({ data, input: { n: 7 } }).results, [{ x: true }]);
  t.same(over.eval({ data, input: { n: 5 } }).results, [], 'a rule that reads input and a stable rule');

  calls.length = 0;
  const fn = policy.prepare('x := data.p.from_input_fn');
  t.same(fn.eval({ data, input: { x: 10 } }).results, [{ x: 20 }]);
  t.same(fn.eval({ data, input: { x: 11 } }).results, [{ x: 22 }]);

  calls.length = 0;
  const clock = policy.prepare('x := data.p.clock');
  clock.eval({ data, nowNs: 1n });
  const r = clock.eval({ data, nowNs: 2n });
  t.same(r.results, [{ x: 2 }], 'time.now_ns is read per query');
  t.equal(calls.length, 2);

  calls.length = 0;
  const ov = policy.prepare('x := data.p.overridden; y := data.p.cfg');
  t.same(ov.eval({ data }).results, [{ x: 99, y: { limit: 3 } }]);
  t.same(ov.eval({ data }).results, [{ x: 99, y: { limit: 3 } }]);
  t.same(calls.filter((c) => c === 99), [99, 99], 'a body with `with` runs each time');

  const lines: string[] = [];
  const printed = policy.prepare('x := data.p.printed');
  printed.eval({ data, print: (l) => lines.push(l) });
  printed.eval({ data, print: (l) => lines.push(l) });
  t.equal(lines.length, 2, 'print runs in every query');
});

t.test('a query under `with data` does not read or fill the shared cache', async (t) => {
  const { policy } = setup();
  const data = fromJSON({ cfg: { limit: 5 } });
  const plain = policy.prepare('x := data.p.limit');
  const replaced = policy.prepare('x := data.p.limit with data.cfg as {"limit": 50}');
  t.same(plain.eval({ data }).results, [{ x: 10 }]);
  t.same(replaced.eval({ data }).results, [{ x: 100 }]);
  t.same(plain.eval({ data }).results, [{ x: 10 }]);
});

t.test('strict mode evaluates everything, so each query reports its own built-in errors', async (t) => {
  const { policy, calls } = setup();
  const q = policy.prepare('x := data.p.limit');
  const data = fromJSON({ cfg: { limit: 1 } });
  q.eval({ data, strictBuiltinErrors: true });
  q.eval({ data, strictBuiltinErrors: true });
  t.equal(calls.length, 2);
});

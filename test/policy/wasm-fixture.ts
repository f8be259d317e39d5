/**
 * An ABI fixture, NOT an OPA-compiled policy: a tiny module, assembled here from WAT with
 * wabt, that implements OPA's published Wasm ABI 1.2 (the exports @open-policy-agent/opa-wasm
 * calls) for two entrypoints, so the loader is tested without an OPA compiler:
 *   yori/deny → ["wasm fixture: deny"]
 *   yori/warn → [<the input document>]   (echoes the input, proving it reached the module)
 * "Values" in this fixture are NUL-terminated JSON texts; opa_json_dump is the identity.
 */
import wabtFactory from 'wabt';

const WAT = String.raw`
(module
  (import "env" "memory" (memory 2))
  (global $heap (mut i32) (i32.const 65536))
  (global (export "opa_wasm_abi_version") i32 (i32.const 1))
  (global (export "opa_wasm_abi_minor_version") i32 (i32.const 2))
  (data (i32.const 1024) "{}\00")
  (data (i32.const 1040) "{\"yori/deny\":0,\"yori/warn\":1,\"other/allow\":2}\00")
  (data (i32.const 1100) "[{\"result\":[\"wasm fixture: deny\"]}]\00")
  (data (i32.const 1200) "[{\"result\":[")
  (data (i32.const 1220) "]}]\00")
  (data (i32.const 1240) "[{\"result\":true}]\00")
  (func (export "builtins") (result i32) (i32.const 1024))
  (func (export "entrypoints") (result i32) (i32.const 1040))
  (func (export "opa_json_dump") (param i32) (result i32) (local.get 0))
  (func (export "opa_heap_ptr_get") (result i32) (global.get $heap))
  (func (export "opa_heap_ptr_set") (param i32) (global.set $heap (local.get 0)))
  (func (export "opa_malloc") (param $n i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 1))))
    (local.get $p))
  (func (export "opa_json_parse") (param $addr i32) (param $len i32) (result i32)
    (i32.store8 (i32.add (local.get $addr) (local.get $len)) (i32.const 0))
    (local.get $addr))
  (func (export "opa_eval") (param $reserved i32) (param $ep i32) (param $data i32) (param $in i32)
        (param $inlen i32) (param $heapptr i32) (param $format i32) (result i32) (local $out i32)
    (if (i32.eqz (local.get $ep)) (then (return (i32.const 1100))))
    (if (i32.eq (local.get $ep) (i32.const 2)) (then (return (i32.const 1240))))
    (local.set $out (local.get $heapptr))
    (memory.copy (local.get $out) (i32.const 1200) (i32.const 12))
    (memory.copy (i32.add (local.get $out) (i32.const 12)) (local.get $in) (local.get $inlen))
    (memory.copy (i32.add (local.get $out) (i32.add (i32.const 12) (local.get $inlen))) (i32.const 1220) (i32.const 4))
    (global.set $heap (i32.add (local.get $out) (i32.add (local.get $inlen) (i32.const 16))))
    (local.get $out)))
`;

export async function abiFixtureWasm(): Promise<Buffer> {
  const wabt = await wabtFactory();
  const mod = wabt.parseWat('yori-abi-fixture.wat', WAT, { bulk_memory: true });
  try {
    return Buffer.from(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

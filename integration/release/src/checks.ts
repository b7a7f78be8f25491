/**
 * Real work the installed tarballs must do, one entry per package, in the order they run. Adding a package
 * is one line here. Every export subpath of every publishable package is imported anyway (from its
 * manifest); these bodies prove the code behind the imports works outside the workspace.
 *
 * Each body runs, unchanged, inside an async function in both the ESM and the CommonJS consumer script.
 * In scope: `tf` (@tensorflow/tfjs-core), `assert` (node:assert/strict), `tmp` (a scratch folder path),
 * `join` (node:path) and one namespace per imported specifier, camel-cased without the scope:
 * `@smoa/llama/node` is `llamaNode`, `@smoa/adapters/layers` is `adaptersLayers` (and `@smoa/eval`, whose
 * name is reserved in strict code, is `evalPkg`). A body returns a short
 * summary that the test prints.
 */
export const CHECKS: Record<string, string> = {
  '@smoa/backend': `
    const info = await backend.initBackend();
    assert.equal(info.name, 'wasm', 'a fresh npm project with the wasm peer installed runs wasm: ' + JSON.stringify(info));
    assert.equal(tf.getBackend(), 'wasm', 'our tfjs-core and @smoa/backend share one engine');
    return info.name + ' simd=' + info.simd + ' threads=' + info.threads;`,
  '@smoa/safetensors': `
    const file = join(tmp, 'w.safetensors');
    await safetensorsNode.writeSafetensorsFile(file, { w: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } }, { format: 'pt' });
    const reader = await safetensorsNode.openSafetensorsFile(file);
    const w = await reader.readFloat32('w');
    await reader.close();
    assert.deepEqual(Array.from(w.data), [1, 2, 3, 4, 5, 6]);
    const again = await safetensors.readSafetensors(safetensors.serializeSafetensors({ w: { shape: [2, 3], data: w.data } }));
    assert.deepEqual(again.keys(), ['w']);
    return 'wrote, lazily read and round-tripped ' + file;`,
  '@smoa/adapters': `
    const weight = tf.randomNormal([8, 16], 0, 0.1, 'float32', 1);
    const linear = new adapters.Linear(weight);
    const x = tf.randomNormal([2, 3, 16], 0, 1, 'float32', 2);
    const y = linear.apply(x);
    assert.deepEqual(y.shape, [2, 3, 8]);
    const expected = tf.matMul(tf.reshape(x, [6, 16]), weight, false, true);
    const diff = tf.max(tf.abs(tf.sub(tf.reshape(y, [6, 8]), expected))).dataSync()[0];
    assert.ok(diff < 1e-5, 'Linear.apply matches x W^T, max diff ' + diff);
    return 'Linear [8,16] applied, max diff ' + diff.toExponential(1);`,
};

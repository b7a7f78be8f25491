/**
 * Real work the installed tarballs must do, one entry per package, in the order they run. Adding a package
 * is one line here. Every export subpath of every publishable package is imported anyway (from its
 * manifest); these bodies prove the code behind the imports works outside the workspace.
 *
 * Each body runs, unchanged, inside an async function in both the ESM and the CommonJS consumer script.
 * In scope: `tf` (@tensorflow/tfjs-core), `assert` (node:assert/strict), `tmp` (a scratch folder path),
 * `join` (node:path), `close(a, b)` (max |a - b| of two tensors) and one namespace per imported specifier,
 * camel-cased without the scope: `@smoa/llama/node` is `llamaNode`, `@smoa/adapters/layers` is
 * `adaptersLayers` (and `@smoa/eval`, whose name is reserved in strict code, is `evalPkg`). A body returns a
 * short summary that the test prints.
 */
export const CHECKS: Record<string, string> = {
  '@smoa/backend': `
    const info = await backend.initBackend();
    assert.equal(info.name, 'wasm', 'a fresh npm project with the wasm peer installed runs wasm: ' + JSON.stringify(info));
    assert.equal(tf.getBackend(), 'wasm', 'our tfjs-core and @smoa/backend share one engine');
    return info.name + ' simd=' + info.simd + ' threads=' + info.threads;`,
  '@smoa/core': `
    const w = tf.randomNormal([5, 7], 0, 1, 'float32', 11);
    const x = tf.randomNormal([3, 7], 0, 1, 'float32', 12);
    const linear = new core.Linear(w);
    const diff = close(linear.apply(x), tf.matMul(x, w, false, true));
    assert.ok(diff < 1e-5, 'Linear.apply(x) = x W^T, max diff ' + diff);
    const t = close(core.untransposedMatMul(x, w, false, true), tf.matMul(x, w, false, true));
    assert.ok(t < 1e-5, 'untransposedMatMul with transposeB equals tf.matMul, max diff ' + t);
    const a = core.mulberry32(7), b = core.mulberry32(7);
    assert.equal(a(), b(), 'mulberry32 repeats for one seed');
    return 'Linear [3,7]x[5,7]^T max diff ' + diff.toExponential(1) + ', IGNORE_INDEX ' + core.IGNORE_INDEX;`,
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
    const weight = tf.randomNormal([32, 64], 0, 0.1, 'float32', 1);
    const layer = adapters.createAdapter({ method: 'smoa', r: 8, numBlocks: 2 }, { weight });
    for (const v of layer.trainableVariables) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', 3));
    const x = tf.randomNormal([3, 64], 0, 1, 'float32', 2);
    const delta = layer.deltaWeight();
    assert.ok(tf.max(tf.abs(delta)).dataSync()[0] > 0, 'a trained SMoA update is not zero');
    const expected = tf.matMul(x, tf.add(weight, delta), false, true);
    const diff = close(layer.apply(x), expected);
    assert.ok(diff < 1e-4, 'SMoA apply(x) = x (W + dW)^T, max diff ' + diff);
    return 'SMoA r=8 K=2 on a random [32,64] weight: ' + layer.numTrainableParams + ' trainable, max diff ' + diff.toExponential(1);`,
  '@smoa/llama': `
    const dir = llamaNode.embeddedModelDir();
    assert.ok(dir.startsWith(process.cwd()), 'the embedded model ships in the tarball: ' + dir);
    const { model, tokenizer, config } = await llamaNode.loadLlama(dir);
    const ids = [tokenizer.bosTokenId, ...tokenizer.encode('Once upon a time')];
    const logits = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
    assert.deepEqual(logits.shape, [1, ids.length, config.vocabSize]);
    const [generated] = await model.generate([[tokenizer.bosTokenId]], { maxNewTokens: 12 });
    const text = tokenizer.decode(generated, { skipSpecialTokens: true });
    assert.match(text, /^Once upon a time, there was a little girl/, 'greedy stories260K from BOS');
    const wrapped = adapters.injectAdapter(model, { method: 'smoa', r: 4, targetModules: ['q_proj', 'v_proj'] });
    assert.ok(wrapped.trainableVariables().length > 0);
    assert.ok(close(model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')), logits) < 1e-4, 'a fresh SMoA adapter starts as the base model');
    return 'forward ' + JSON.stringify(logits.shape) + ', greedy: ' + JSON.stringify(text);`,
  '@smoa/datasets': `
    const task = datasets.getTask('boolq');
    const test = await datasetsNode.loadTask(task, 'test');
    assert.equal(test.length, 3270);
    const { prompt, response } = datasets.exampleFormatter(task)(test[0]);
    assert.match(prompt, /### Instruction:/);
    assert.match(response, /true|false/);
    return 'boolq test: ' + test.length + ' records from the shipped data, first response ' + JSON.stringify(response);`,
  '@smoa/data': `
    const dir = datasetsNode.vendoredDataDir();
    assert.match(dir.replace(/\\\\/g, '/'), /node_modules\\/@smoa\\/data$/, 'the data comes from the installed @smoa/data: ' + dir);
    const passages = await datasetsNode.loadTask('tinyshakespeare', 'train');
    assert.ok(passages.length > 100, 'tinyshakespeare passages: ' + passages.length);
    return passages.length + ' tinyshakespeare passages from ' + dir;`,
  '@smoa/eval': `
    const f1 = evalPkg.tokenF1('the cat sat', 'the cat sat down');
    // SQuAD normalisation drops articles: 'cat sat' vs 'cat sat down' is precision 1, recall 2/3.
    assert.ok(Math.abs(f1 - 0.8) < 1e-9, 'token F1 ' + f1);
    const bleu = evalPkg.corpusBleu(['the cat sat on the mat'], [['the cat sat on the mat']]);
    assert.ok(Math.abs(bleu.bleu[3] - 1) < 1e-9, 'identical sentences have BLEU-4 1: ' + bleu.bleu);
    assert.equal(evalPkg.extractNumber('so the answer is #### 42'), 42);
    return 'token F1 ' + f1.toFixed(3) + ', BLEU-4 ' + bleu.bleu[3];`,
  '@smoa/train': `
    const { model, tokenizer } = await llamaNode.loadLlama(llamaNode.embeddedModelDir());
    const prepared = train.prepareModel(model, { kind: 'adapter', adapter: { method: 'smoa', r: 4, targetModules: 'all-linear' } });
    // One block, so every step sees the same batch and the loss must fall.
    const blocks = datasets.tokenBlocks(tokenizer, ['Bolt the robot painted blue stars on the night sky.'], { blockSize: 64 });
    assert.equal(blocks.length, 1);
    const losses = [];
    const result = await train.train({
      model: prepared,
      train: blocks,
      config: { maxSteps: 6, batchSize: 1, learningRate: 1e-2 },
      onEvent: (e) => { if (e.type === 'step') losses.push(e.loss); },
    });
    assert.equal(result.reason, 'completed', result.message);
    assert.ok(losses[losses.length - 1] < losses[0], 'loss falls: ' + losses);
    return 'SMoA on all-linear, ' + prepared.numTrainable + ' trainable, loss ' + losses[0].toFixed(3) + ' -> ' + losses[losses.length - 1].toFixed(3);`,
  '@smoa/experiment': `
    const plan = experiment.parsePlan({ tasks: ['boolq'], methods: [{ name: 'LoRA r4', method: 'lora', r: 4 }, { name: 'SMoA', method: 'smoa', numBlocks: 2 }], budget: { reference: 'LoRA r4' }, learningRates: [0.01], seeds: [0, 1] });
    const { model } = await llamaNode.loadLlama(llamaNode.embeddedModelDir());
    const [lora, smoa] = experiment.matchBudgets(plan, model);
    assert.equal(smoa.numTrainable, lora.numTrainable, 'SMoA K2 matched to LoRA r4');
    assert.equal(smoa.mode.adapter.r, 8);
    assert.equal(typeof experimentNode.runExperiment, 'function');
    return 'SMoA K2 matched to LoRA r4: r ' + smoa.mode.adapter.r + ', ' + smoa.numTrainable + ' trainable';`,
};

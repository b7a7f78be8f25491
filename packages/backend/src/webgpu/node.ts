import * as tf from '@tensorflow/tfjs-core';
import { adapterLabel, adapterMatches, describeAdapter, type GpuAdapterDescription } from './adapter';

/**
 * tfjs-backend-webgpu under Node.js through the `webgpu` npm package (Dawn's Node bindings, prebuilt
 * for linux-x64, macOS and Windows): tfjs-node-gpu 4.22 needs CUDA 11.2 and cuDNN 8.1, which today's
 * drivers no longer pair with, while Dawn reaches the GPU through Vulkan, Metal or D3D12.
 *
 * tfjs-backend-webgpu only needs `navigator.gpu` and the GPU* constants that browsers define, which
 * Dawn's `create` and `globals` provide. Its own factory takes whatever adapter `requestAdapter` gives;
 * ours picks the adapter first, so that a software adapter is used only when asked for by name.
 */

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

interface AdapterLike {
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor: Record<string, unknown>): Promise<unknown>;
}

interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
}

type WebGpuBackendClass = new (device: unknown, adapterInfo: unknown) => tf.KernelBackend;

export interface WebGpuNodeContext {
  /** Whether webgpu was asked for (prefer, SMOA_BACKEND or an adapter name) rather than tried by default. */
  asked: boolean;
  loadDawn: () => Promise<unknown>;
  loadTfjsWebGpu: () => Promise<unknown>;
  /** Adapter asked for by name (webgpuAdapter or SMOA_WEBGPU_ADAPTER). */
  adapterName: string | undefined;
}

export type WebGpuNodeResult =
  | { ok: true; adapter: GpuAdapterDescription }
  | { ok: false; stage: 'dawn' | 'tfjs' | 'adapter'; error?: unknown; reason?: string };

const asDefault = <T>(mod: unknown): T => ((mod as { default?: T }).default ?? (mod as T));

let chosen: GpuAdapterDescription | undefined;

/** The adapter the Node webgpu backend runs on, once initialised by this module. */
export function nodeWebGpuAdapter(): GpuAdapterDescription | undefined {
  return chosen;
}

/** The device tfjs's own factory would ask for: its features and limits (tfjs-backend-webgpu base.ts). */
function deviceDescriptor(adapter: AdapterLike): Record<string, unknown> {
  const requiredFeatures = ['timestamp-query', 'bgra8unorm-storage'].filter((f) => adapter.features.has(f));
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = {};
  for (const k of ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup']) {
    if (typeof l[k] === 'number') requiredLimits[k] = l[k];
  }
  return { requiredFeatures, requiredLimits };
}

/**
 * Makes 'webgpu' a registered tfjs backend under Node on a hardware adapter (or the adapter named),
 * without initialising it. Returns why not otherwise.
 */
export async function registerNodeWebGpu(ctx: WebGpuNodeContext): Promise<WebGpuNodeResult> {
  if (tf.engine().registry['webgpu'] !== undefined && chosen !== undefined) return { ok: true, adapter: chosen };
  let dawn: DawnModule;
  try {
    dawn = asDefault<DawnModule>(await ctx.loadDawn());
  } catch (error) {
    return { ok: false, stage: 'dawn', error };
  }
  if (typeof dawn.create !== 'function') return { ok: false, stage: 'dawn', reason: "the 'webgpu' package has no create() (expected Dawn's Node bindings)" };
  // Tried by default on a Linux machine with no GPU device node, Dawn would only enumerate software
  // Vulkan drivers, which costs time and makes Mesa print to stderr from native code.
  if (!ctx.asked && !linuxMayHaveGpu()) {
    return { ok: false, stage: 'adapter', reason: 'no GPU device on this machine (no /dev/dri, /dev/nvidia*, /dev/dxg); ask for webgpu by name to try anyway' };
  }
  const g = globalThis as Record<string, unknown> & { navigator?: { gpu?: unknown } };
  // GPUBufferUsage, GPUMapMode, GPUShaderStage, ...: tfjs-backend-webgpu reads them as browser globals.
  for (const [k, v] of Object.entries(dawn.globals ?? {})) if (!(k in g)) g[k] = v;
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    return { ok: false, stage: 'adapter', reason: 'Dawn found no WebGPU adapter (no Vulkan, Metal or D3D12 device; on Linux: a GPU driver and libvulkan1)' };
  }
  const desc = describeAdapter(adapter.info as Parameters<typeof describeAdapter>[0], adapter.isFallbackAdapter);
  const label = adapterLabel(desc);
  if (ctx.adapterName !== undefined && ctx.adapterName.trim() !== '') {
    if (!adapterMatches(desc, ctx.adapterName)) {
      return { ok: false, stage: 'adapter', reason: `the adapter Dawn offers, ${label}, does not match the one asked for ("${ctx.adapterName}")` };
    }
  } else if (desc.software) {
    const name = desc.architecture || desc.vendor || desc.description;
    return {
      ok: false,
      stage: 'adapter',
      reason: `only a software adapter, ${label}, which is slower than wasm; to use it anyway ask for it by name (webgpuAdapter: '${name}' or SMOA_WEBGPU_ADAPTER=${name})`,
    };
  }
  if (g.navigator === undefined) g.navigator = { gpu };
  else if (g.navigator.gpu == null) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  let mod: { WebGPUBackend?: WebGpuBackendClass };
  try {
    mod = asDefault<{ WebGPUBackend?: WebGpuBackendClass }>(await ctx.loadTfjsWebGpu());
  } catch (error) {
    return { ok: false, stage: 'tfjs', error };
  }
  const Backend = mod.WebGPUBackend;
  if (typeof Backend !== 'function') return { ok: false, stage: 'tfjs', reason: '@tensorflow/tfjs-backend-webgpu exports no WebGPUBackend' };
  // Replaces tfjs's own factory (registered on import when navigator.gpu exists), which would take
  // whatever adapter requestAdapter returns.
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => new Backend(await adapter.requestDevice(deviceDescriptor(adapter)), adapter.info), 3);
  chosen = desc;
  return { ok: true, adapter: desc };
}

/** False only on Linux when no GPU device node exists (DRM, NVIDIA's driver, WSL's /dev/dxg). */
function linuxMayHaveGpu(): boolean {
  const proc = (globalThis as { process?: { platform?: string; getBuiltinModule?: (id: string) => unknown } }).process;
  if (proc?.platform !== 'linux' || typeof proc.getBuiltinModule !== 'function') return true;
  const fs = proc.getBuiltinModule('fs') as { existsSync(p: string): boolean; readdirSync(p: string): string[] };
  try {
    return fs.existsSync('/dev/dri') || fs.existsSync('/dev/dxg') || fs.readdirSync('/dev').some((n) => /^nvidia\d/.test(n));
  } catch {
    return true;
  }
}

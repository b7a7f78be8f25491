/**
 * What a WebGPU adapter (or a WebGL renderer) is, for choosing and reporting. Software renderers
 * (SwiftShader, llvmpipe/lavapipe, Microsoft's Basic Render Driver) compute on the CPU, much slower
 * than wasm's XNNPACK kernels, so they are never chosen ahead of wasm unless asked for by name.
 */
export interface GpuAdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU implementation of the GPU API (SwiftShader, llvmpipe, lavapipe, ...). */
  software: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|subzero/i;

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export function describeAdapter(info: AdapterInfoLike | undefined, isFallbackAdapter?: boolean): GpuAdapterDescription {
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const d = {
    vendor: text(info?.vendor),
    architecture: text(info?.architecture),
    device: text(info?.device),
    description: text(info?.description),
  };
  const fallback = info?.isFallbackAdapter === true || isFallbackAdapter === true;
  return { ...d, software: fallback || SOFTWARE.test(Object.values(d).join(' ')) };
}

/** A renderer string (WebGL's UNMASKED_RENDERER_WEBGL) as a description. */
export function describeRenderer(renderer: string): GpuAdapterDescription {
  return { vendor: '', architecture: '', device: '', description: renderer, software: SOFTWARE.test(renderer) };
}

/** "google swiftshader (SwiftShader driver 5.0.0), software" */
export function adapterLabel(a: GpuAdapterDescription): string {
  const main = [a.vendor, a.architecture].filter((s) => s !== '').join(' ') || a.device || 'unnamed adapter';
  return `${main}${a.description !== '' && a.description !== main ? ` (${a.description})` : ''}${a.software ? ', software' : ''}`;
}

/** Whether the adapter was asked for by `name` (case-insensitive, any of its fields contains it). */
export function adapterMatches(a: GpuAdapterDescription, name: string): boolean {
  const want = name.trim().toLowerCase();
  return want !== '' && [a.vendor, a.architecture, a.device, a.description].some((f) => f.toLowerCase().includes(want));
}

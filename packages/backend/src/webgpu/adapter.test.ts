import { describe, expect, it } from 'vitest';
import { adapterLabel, adapterMatches, describeAdapter, describeRenderer } from './adapter';

// Adapter info as Dawn reports it (SwiftShader: captured from the `webgpu` package on this project's
// machine) and as browsers report hardware and software GPUs.
const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true };

describe('GPU adapters', () => {
  it('tells software adapters from hardware ones', () => {
    expect(describeAdapter(swiftshader).software).toBe(true);
    expect(describeAdapter({ ...swiftshader, isFallbackAdapter: undefined }).software).toBe(true);
    expect(describeAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' }).software).toBe(false);
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'ampere' }, true).software).toBe(true);
    expect(describeAdapter(undefined)).toEqual({ vendor: '', architecture: '', device: '', description: '', software: false });
    expect(describeRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)').software).toBe(true);
    expect(describeRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 4090 Direct3D11 vs_5_0 ps_5_0, D3D11)').software).toBe(false);
  });

  it('labels them for reports and matches them by name', () => {
    const a = describeAdapter(swiftshader);
    expect(adapterLabel(a)).toBe('google swiftshader (SwiftShader driver 5.0.0), software');
    expect(adapterMatches(a, 'SwiftShader')).toBe(true);
    expect(adapterMatches(a, 'llvmpipe')).toBe(false);
    expect(adapterMatches(a, '  ')).toBe(false);
  });
});

// Deterministic synthetic photo: an LFW face, scaled down with bilinear sampling, pasted into a grey+noise
// 1280x720 background. Plain integer/array arithmetic only, so another language can rebuild it byte for byte.
export const SYNTH = {
  width: 1280,
  height: 720,
  background: {
    kind: 'grey + uniform integer noise, identical rule per channel',
    rule: 'state = uint32 xorshift32 seeded 0x2545F491: per value, in row-major pixel order and R,G,B channel order: state ^= state << 13; state ^= state >>> 17; state ^= state << 5 (all mod 2^32); value = 108 + (state % 41)  -> 108..148',
    seed: 0x2545F491,
    base: 108,
    modulus: 41,
  },
  source: { path: 'lfw/lfw-deepfunneled/Colin_Powell/Colin_Powell_0001.jpg', decoder: 'jpeg-js', crop: { x: 50, y: 50, size: 150 } },
  paste: { x: 900, y: 220, size: 70 },
  scaling: {
    kind: 'bilinear, half-pixel centres, edge-clamped, rounded',
    rule: 'for destination pixel (dx, dy) in 0..size-1: s = 150/size; sx = (dx + 0.5) * s - 0.5, sy = (dy + 0.5) * s - 0.5, each clamped to [0, 149]; x0 = floor(sx), x1 = min(x0 + 1, 149), fx = sx - x0 (same for y); v = (1-fy)*((1-fx)*p(x0,y0) + fx*p(x1,y0)) + fy*((1-fx)*p(x0,y1) + fx*p(x1,y1)) in float64 per channel; byte = floor(v + 0.5)',
  },
  note: 'the face in the 150-px crop is ~105 px wide, so at 70/150 it is ~50 px wide in the photo',
};

export function buildSynthetic(srcCrop, spec = SYNTH) {
  const { width: W, height: H } = spec;
  const rgb = new Uint8Array(W * H * 3);
  let state = spec.background.seed >>> 0;
  for (let i = 0; i < rgb.length; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    rgb[i] = spec.background.base + (state % spec.background.modulus);
  }
  const S = srcCrop.width, n = spec.paste.size, s = S / n;
  const px = (x, y, c) => srcCrop.rgb[(y * S + x) * 3 + c];
  const clamp = (v) => Math.min(Math.max(v, 0), S - 1);
  for (let dy = 0; dy < n; dy++) {
    const sy = clamp((dy + 0.5) * s - 0.5), y0 = Math.floor(sy), y1 = Math.min(y0 + 1, S - 1), fy = sy - y0;
    for (let dx = 0; dx < n; dx++) {
      const sx = clamp((dx + 0.5) * s - 0.5), x0 = Math.floor(sx), x1 = Math.min(x0 + 1, S - 1), fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const v = (1 - fy) * ((1 - fx) * px(x0, y0, c) + fx * px(x1, y0, c)) + fy * ((1 - fx) * px(x0, y1, c) + fx * px(x1, y1, c));
        rgb[((spec.paste.y + dy) * W + spec.paste.x + dx) * 3 + c] = Math.floor(v + 0.5);
      }
    }
  }
  return { width: W, height: H, rgb };
}

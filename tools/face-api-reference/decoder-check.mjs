#!/usr/bin/env node
// Compares jpeg-js's decoded pixels with libjpeg-turbo's (the `djpeg` tool, Debian package libjpeg-turbo-progs;
// SkiaSharp decodes JPEG with libjpeg-turbo) on the images of descriptors.mjs, for the full image and the fixed
// 150x150 crop at (50, 50); then runs descriptors.mjs --raw on libjpeg-turbo's crops (temp files, deleted) to
// show how far the descriptors move with the decoder. Prints numbers only (no pixels).
//   node decoder-check.mjs [--json] [--write]   (--write: also golden/decoder_check.json)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJpeg, crop, datasetsDir } from './lib/faceapi.mjs';
import { DEFAULT_IMAGES } from './lib/images.mjs';

function djpeg(file, flags) {
  const buf = execFileSync('djpeg', [...flags, '-ppm', file], { maxBuffer: 1 << 28 });
  // binary PPM: "P6\n<w> <h>\n255\n" (djpeg writes exactly this header)
  const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString('latin1'));
  if (!m) throw new Error(`djpeg ${file}: not a P6 PPM`);
  const width = Number(m[1]), height = Number(m[2]);
  return { width, height, rgb: new Uint8Array(buf.subarray(m[0].length, m[0].length + width * height * 3)) };
}

const sum = (a) => a.reduce((s, x) => s + x, 0);
function diff(a, b) {
  let same = 0, maxAbs = 0, sumAbs = 0;
  for (let i = 0; i < a.length; i++) { const d = Math.abs(a[i] - b[i]); if (d === 0) same++; maxAbs = Math.max(maxAbs, d); sumAbs += d; }
  return { identical: same === a.length, equal_fraction: same / a.length, max_abs: maxAbs, mean_abs: sumAbs / a.length };
}

const VARIANTS = { 'islow+fancy (libjpeg default, Skia)': [], 'float dct': ['-dct', 'float'], 'ifast dct': ['-dct', 'fast'], 'islow, no fancy upsampling': ['-nosmooth'] };
const v = spawnSync('djpeg', ['-version'], { encoding: 'utf8' });
if (v.error) { console.error('decoder-check: djpeg not found (apt-get install libjpeg-turbo-progs)'); process.exit(2); }
const version = `${v.stdout}${v.stderr}`.trim();
const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faceapi-decoder-check-'));
const rawFiles = [];
const rows = [];
for (const rel of DEFAULT_IMAGES.slice()) {
  const file = path.join(datasetsDir, rel);
  const js = decodeJpeg(file);
  const jsCrop = crop(js, 50, 50, 150, 150);
  const row = { path: rel, jpeg_js_crop150_rgb_sum: sum(jsCrop.rgb) };
  for (const [name, flags] of Object.entries(VARIANTS)) {
    const t = djpeg(file, flags);
    const tc = crop(t, 50, 50, 150, 150);
    row[name] = { crop150_rgb_sum: sum(tc.rgb), full: diff(js.rgb, t.rgb), crop150: diff(jsCrop.rgb, tc.rgb) };
  }
  rows.push(row);
  const f = path.join(tmp, `${rawFiles.length}.rgb`);
  fs.writeFileSync(f, crop(djpeg(file, []), 50, 50, 150, 150).rgb);
  rawFiles.push(f);
}

// descriptors of libjpeg-turbo's crops (through descriptors.mjs --raw) against the jpeg-js goldens
let descriptorEffect = null;
try {
  const r = spawnSync(process.execPath, [path.join(here, 'descriptors.mjs'), ...rawFiles.flatMap((f) => ['--raw', f]), '--out', '-'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  const turbo = JSON.parse(r.stdout).images.map((i) => i.descriptor);
  const golden = JSON.parse(fs.readFileSync(path.join(here, 'golden/face_recognition_descriptors.json'), 'utf8')).images.map((i) => i.descriptor);
  const unit = (d) => { const n = Math.hypot(...d); return d.map((x) => x / n); };
  let rawMax = 0, unitMax = 0, distMax = 0;
  turbo.forEach((d, i) => {
    const g = golden[i], du = unit(d), gu = unit(g);
    d.forEach((x, j) => { rawMax = Math.max(rawMax, Math.abs(x - g[j])); unitMax = Math.max(unitMax, Math.abs(du[j] - gu[j])); });
    distMax = Math.max(distMax, Math.sqrt(d.reduce((s, x, j) => s + (x - g[j]) ** 2, 0)));
  });
  descriptorEffect = { what: 'FaceRecognitionNet on libjpeg-turbo (islow+fancy) crops vs on jpeg-js crops (the goldens)', raw_max_abs_diff: rawMax, unit_norm_max_abs_diff: unitMax, max_euclidean_between_the_two: distMax };
} finally { fs.rmSync(tmp, { recursive: true, force: true }); }

const summary = Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, {
  images_identical_full: rows.filter((r) => r[v].full.identical).length,
  images_identical_crop: rows.filter((r) => r[v].crop150.identical).length,
  max_abs: Math.max(...rows.map((r) => r[v].full.max_abs)),
  mean_abs: rows.reduce((s, r) => s + r[v].full.mean_abs, 0) / rows.length,
  mean_equal_fraction: rows.reduce((s, r) => s + r[v].full.equal_fraction, 0) / rows.length,
}]));
const out = { what: 'jpeg-js 0.4.4 vs libjpeg-turbo djpeg decoding of the golden LFW images (RGB bytes compared; no pixels stored)', djpeg: version, images: rows.length, summary, descriptor_effect: descriptorEffect, per_image: rows };
if (process.argv.includes('--write')) fs.writeFileSync(path.join(here, 'golden/decoder_check.json'), JSON.stringify(out, null, 1) + '\n');
if (process.argv.includes('--json')) console.log(JSON.stringify(out, null, 1));
else { console.log(`jpeg-js vs ${version}, ${rows.length} images`); for (const [v, s] of Object.entries(summary)) console.log(`  ${v}: identical ${s.images_identical_full}/${rows.length} (crop ${s.images_identical_crop}), equal bytes ${(100 * s.mean_equal_fraction).toFixed(2)} %, mean |d| ${s.mean_abs.toFixed(4)}, max |d| ${s.max_abs}`); console.log(`  descriptors: ${JSON.stringify(descriptorEffect)}`); }

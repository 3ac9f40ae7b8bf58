// Loads the original @vladmandic/face-api (its Node wasm build) with the tfjs wasm backend (or the pure-JS cpu
// backend), plus small helpers shared by the scripts. We only *call* the package here.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const toolDir = path.resolve(here, '..');
const require = createRequire(path.join(toolDir, 'package.json'));

export const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
export const tf = faceapi.tf; // the tfjs instance face-api was built against (CJS), never a second copy
export const jpeg = require('jpeg-js');

export const modelDir = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
export const datasetsDir = path.resolve(process.env.SRFACE_DATASETS ?? path.join(toolDir, '../../../shared/datasets'));

export function versions(backend) {
  const pkg = (name) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  return {
    node: process.versions.node,
    '@vladmandic/face-api': pkg('@vladmandic/face-api'),
    '@tensorflow/tfjs': pkg('@tensorflow/tfjs'),
    '@tensorflow/tfjs-backend-wasm': pkg('@tensorflow/tfjs-backend-wasm'),
    'jpeg-js': pkg('jpeg-js'),
    faceapi_build: 'dist/face-api.node-wasm.js',
    backend,
  };
}

/** Sets the tf backend: 'wasm' (default; one thread under Node) or 'cpu' (pure JS). */
export async function initBackend(name = process.env.FACEAPI_BACKEND ?? 'wasm') {
  if (name === 'wasm') {
    const wasmDir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    tf.setWasmPaths(wasmDir + path.sep);
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}

/** Loads the named nets ('faceRecognitionNet', 'tinyFaceDetector', ...) from the package's model folder. */
export async function loadNets(names, dir = process.env.FACEAPI_MODELS ?? modelDir) {
  for (const n of names) await faceapi.nets[n].loadFromDisk(dir);
  return dir;
}

/** Decodes a JPEG with jpeg-js to {width, height, rgb: Uint8Array (HWC, RGB)}. */
export function decodeJpeg(file) {
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  if (img.data.length !== img.width * img.height * 3) throw new Error(`${file}: expected 3 channels`);
  return { width: img.width, height: img.height, rgb: img.data };
}

/** Integer crop (no resampling) of an HWC RGB image. */
export function crop(img, x, y, w, h) {
  if (x < 0 || y < 0 || x + w > img.width || y + h > img.height) throw new Error(`crop ${x},${y},${w}x${h} outside ${img.width}x${img.height}`);
  const out = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) out.set(img.rgb.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  return { width: w, height: h, rgb: out };
}

export function byteStats(rgb) {
  let sum = 0; const ch = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) { sum += rgb[i]; ch[i % 3] += rgb[i]; }
  const n = rgb.length / 3;
  return { sum, mean: sum / rgb.length, mean_rgb: ch.map((c) => c / n) };
}

export function toTensor3D(img) {
  return tf.tensor3d(img.rgb, [img.height, img.width, 3], 'int32');
}

export const round = (v, d = 4) => Math.round(v * 10 ** d) / 10 ** d;

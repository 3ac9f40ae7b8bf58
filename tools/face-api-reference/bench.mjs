#!/usr/bin/env node
// Speed of the original face-api networks in Node (tfjs wasm backend; one thread under Node: the threaded wasm
// build is not used there). Medians after warm-up; prints os.loadavg() since the machine is shared.
//   node bench.mjs [--json] [--runs 30] [--batch 64] [--batch-runs 3] [--no-detector]
//   env: FACEAPI_BACKEND=wasm|cpu, SRFACE_DATASETS
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { faceapi, tf, initBackend, loadNets, versions, decodeJpeg, crop, toTensor3D, datasetsDir } from './lib/faceapi.mjs';
import { DEFAULT_IMAGES } from './lib/images.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? Number(args[i + 1]) : d; };
const json = args.includes('--json');
const RUNS = opt('--runs', 30), BATCH = opt('--batch', 64), BATCH_RUNS = opt('--batch-runs', 3), WARMUP = 3;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const log = (...m) => { if (!json) console.log(...m); };

async function time(fn, runs, warmup) {
  for (let i = 0; i < warmup; i++) await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(); ms.push(performance.now() - t0); }
  return { median_ms: median(ms), min_ms: Math.min(...ms), max_ms: Math.max(...ms), runs };
}

const loadBefore = os.loadavg();
const backend = await initBackend();
await loadNets(['faceRecognitionNet', ...(args.includes('--no-detector') ? [] : ['tinyFaceDetector', 'faceLandmark68Net'])]);
const imgs = DEFAULT_IMAGES.map((rel) => decodeJpeg(path.join(datasetsDir, rel)));
const chips = imgs.map((im) => toTensor3D(crop(im, 50, 50, 150, 150)));
const net = faceapi.nets.faceRecognitionNet;
const result = {
  tool: 'tools/face-api-reference/bench.mjs', versions: versions(backend),
  threads: tf.getBackend() === 'wasm' ? 1 : null, wasm_simd: tf.getBackend() === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null,
  cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, loadavg_before: loadBefore,
};

const one = await time(async () => { await net.computeFaceDescriptor(chips[0]); }, RUNS, WARMUP);
result.face_recognition_single = { ...one, input: '1 x 150x150x3 chip (computeFaceDescriptor)', ms_per_face: one.median_ms, faces_per_s: 1000 / one.median_ms };
log(`FaceRecognitionNet 1 chip: ${one.median_ms.toFixed(2)} ms/face median of ${RUNS} (min ${one.min_ms.toFixed(2)}), ${(1000 / one.median_ms).toFixed(1)} faces/s`);

if (BATCH > 0) {
  const batch = Array.from({ length: BATCH }, (_, i) => chips[i % chips.length]);
  const b = await time(async () => { await net.computeFaceDescriptor(batch); }, BATCH_RUNS, 1);
  result.face_recognition_batch = { ...b, batch: BATCH, input: `${BATCH} chips in one forward ([${BATCH},150,150,3])`, ms_per_face: b.median_ms / BATCH, faces_per_s: 1000 * BATCH / b.median_ms };
  log(`FaceRecognitionNet batch ${BATCH}: ${b.median_ms.toFixed(0)} ms median of ${BATCH_RUNS} = ${(b.median_ms / BATCH).toFixed(2)} ms/face, ${(1000 * BATCH / b.median_ms).toFixed(1)} faces/s`);
}

if (!args.includes('--no-detector')) {
  const photo = toTensor3D(imgs[0]);
  const tinyOpts = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.3 });
  const det = await time(async () => { await faceapi.nets.tinyFaceDetector.locateFaces(photo, tinyOpts); }, RUNS, WARMUP);
  const full = await time(async () => { await faceapi.detectAllFaces(photo, tinyOpts).withFaceLandmarks(); }, RUNS, WARMUP);
  result.tiny_face_detector_250 = { ...det, input: '250x250 LFW photo, inputSize 416' };
  result.tiny_face_detector_plus_landmarks68_250 = { ...full, input: '250x250 LFW photo, detectAllFaces(TinyFaceDetector 416).withFaceLandmarks(), one face' };
  log(`TinyFaceDetector (416) on 250x250: ${det.median_ms.toFixed(2)} ms; + FaceLandmark68Net: ${full.median_ms.toFixed(2)} ms per photo`);
  photo.dispose();
}
result.loadavg_after = os.loadavg();
log(`loadavg before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${result.loadavg_after.map((x) => x.toFixed(2)).join(' ')}; backend ${backend}, ${os.cpus().length} cpus`);
if (json) console.log(JSON.stringify(result, null, 1));

#!/usr/bin/env node
// Best detector scores of the original face-api on named images: for each image, the highest score of
// TinyFaceDetector (inputSize 416) and of SsdMobilenetv1, each run with a near-zero threshold (0.01), so one run shows
// which score threshold would find a face. Used to compare SrFace's detection failures on LFW with the original's.
// Prints one JSON line per image (its name and two numbers; never pixels).
//
//   node detection-scores.mjs lfw/lfw-deepfunneled/NAME/NAME_0001.jpg ...   (relative to the datasets folder, or absolute)
//   env: SRFACE_DATASETS, FACEAPI_BACKEND=wasm|cpu
import path from 'node:path';
import { faceapi, initBackend, loadNets, decodeJpeg, toTensor3D, datasetsDir, round } from './lib/faceapi.mjs';

const images = process.argv.slice(2);
if (images.length === 0) throw new Error('usage: node detection-scores.mjs IMAGE...');
await initBackend();
await loadNets(['tinyFaceDetector', 'ssdMobilenetv1']);
const tiny = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.01 });
const ssd = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.01, maxResults: 100 });
const best = (found) => round(found.reduce((m, d) => Math.max(m, d.score), 0));
for (const name of images) {
  const img = decodeJpeg(path.isAbsolute(name) ? name : path.join(datasetsDir, name));
  const t = toTensor3D(img);
  const scores = { image: name, tiny416_best: best(await faceapi.detectAllFaces(t, tiny)), ssd_best: best(await faceapi.detectAllFaces(t, ssd)) };
  t.dispose();
  console.log(JSON.stringify(scores));
}

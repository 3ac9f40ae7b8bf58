#!/usr/bin/env node
// Golden 128-D descriptors from the original face-api FaceRecognitionNet (dlib ResNet port), on fixed integer
// 150x150 crops of LFW images decoded with jpeg-js. Writes numbers only (no pixels).
//
//   node descriptors.mjs                         -> golden/face_recognition_descriptors.json (default 12-image list)
//   node descriptors.mjs --images a.jpg b.jpg    -> paths relative to the datasets folder (or absolute)
//   node descriptors.mjs --out FILE | --out -    -> another output file, or stdout
//   node descriptors.mjs --raw chip.rgb[::LABEL] [--raw chip2.rgb ...] [--size 150] [--out FILE]
//        reads raw 8-bit RGB pixels (HWC, row-major, size*size*3 bytes, no header) instead of JPEGs, e.g. a chip
//        that a C# test decoded with its own decoder and wrote to a temp file; prints the same JSON to stdout
//        (unless --out FILE). No crop is taken: the raw chip is the network input.
//   env: SRFACE_DATASETS (default ../../../shared/datasets from this folder), FACEAPI_BACKEND=wasm|cpu
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_IMAGES } from './lib/images.mjs';
import { faceapi, tf, initBackend, loadNets, versions, decodeJpeg, crop, byteStats, toTensor3D, datasetsDir, toolDir } from './lib/faceapi.mjs';

const CROP = { x: 50, y: 50, size: 150 };

function parseArgs(argv) {
  const a = { images: null, raw: [], out: null, size: 150 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--images') { a.images = []; while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) a.images.push(argv[++i]); }
    else if (k === '--raw') a.raw.push(argv[++i]);
    else if (k === '--out') a.out = argv[++i];
    else if (k === '--size') a.size = Number(argv[++i]);
    else if (k === '-h' || k === '--help') { console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n')); process.exit(0); }
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const l2 = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dist = (a, b) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));
const first = (t, n = 8) => Array.from(t.dataSync().slice(0, n));
const summary = (t) => ({ shape: t.shape, sum: t.sum().dataSync()[0], mean: t.mean().dataSync()[0], first8: first(t) });

/** Debug activations for the first chip: computed with tf ops on the *package's loaded params*, following the
 *  order of ops in FaceRecognitionNet.forwardInput / convLayer (conv2d 'valid' stride 2 -> +bias -> *scale.weights
 *  + scale.biases -> relu -> maxPool 3x3 stride 2 'valid'). Values in NHWC order. */
function debugActivations(chipTensor) {
  const p = faceapi.nets.faceRecognitionNet.params.conv32_down;
  return tf.tidy(() => {
    const x = tf.cast(chipTensor, 'float32').expandDims(0);
    const norm = tf.sub(x, tf.tensor1d([122.782, 117.001, 104.298])).div(255);
    let c = tf.conv2d(norm, p.conv.filters, [2, 2], 'valid');
    c = tf.add(c, p.conv.bias);
    const scaled = tf.add(tf.mul(c, p.scale.weights), p.scale.biases);
    const relu = tf.relu(scaled);
    const pooled = tf.maxPool(relu, 3, 2, 'valid');
    return {
      note: 'NHWC; computed with tf ops on faceRecognitionNet.params.conv32_down, mirroring the package op order',
      normalized_input: summary(norm),
      conv32_down_conv_plus_bias: summary(c),
      conv32_down_after_scale_relu: summary(relu),
      after_maxpool_3x3_s2_valid: summary(pooled),
      conv32_down_params_first8: {
        filters_HWIO_shape: p.conv.filters.shape, filters: first(p.conv.filters),
        bias: first(p.conv.bias), scale_weights: first(p.scale.weights), scale_biases: first(p.scale.biases),
      },
    };
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  const modelDir = await loadNets(['faceRecognitionNet']);
  const net = faceapi.nets.faceRecognitionNet;

  const items = [];
  if (args.raw.length) {
    for (const spec of args.raw) {
      // FILE or FILE::LABEL; the label (e.g. the image's path under the datasets folder) is recorded as `path`.
      const [f, label] = spec.split('::');
      const buf = fs.readFileSync(f);
      if (buf.length !== args.size * args.size * 3) throw new Error(`${f}: ${buf.length} bytes, expected ${args.size}x${args.size}x3`);
      items.push({ source: label ? { path: label } : { raw_file: path.resolve(f) }, img: { width: args.size, height: args.size, rgb: new Uint8Array(buf) } });
    }
  } else {
    for (const rel of args.images ?? DEFAULT_IMAGES) {
      const full = path.isAbsolute(rel) ? rel : path.join(datasetsDir, rel);
      const dec = decodeJpeg(full);
      items.push({ source: { path: rel, image_size: [dec.width, dec.height], crop: { ...CROP } }, img: crop(dec, CROP.x, CROP.y, CROP.size, CROP.size) });
    }
  }

  const results = [];
  const singles = [];
  for (const it of items) {
    const t = toTensor3D(it.img);
    const d = Array.from(await net.computeFaceDescriptor(t));
    t.dispose();
    singles.push(d);
    const s = byteStats(it.img.rgb);
    results.push({ ...it.source, rgb_bytes: { sum: s.sum, mean: s.mean, mean_r: s.mean_rgb[0], mean_g: s.mean_rgb[1], mean_b: s.mean_rgb[2], count: it.img.rgb.length }, descriptor_l2_norm: l2(d), descriptor: d });
  }

  // The same chips as one batch (NetInput of several tensors -> one [N,150,150,3] forward): how close to singles?
  const batchTensors = items.map((it) => toTensor3D(it.img));
  const batch = await net.computeFaceDescriptor(batchTensors);
  batchTensors.forEach((t) => t.dispose());
  let batchMaxAbs = 0;
  (Array.isArray(batch) ? batch : [batch]).forEach((b, i) => b.forEach((v, j) => { batchMaxAbs = Math.max(batchMaxAbs, Math.abs(v - singles[i][j])); }));

  const pairs = [];
  for (let i = 0; i < results.length; i++) for (let j = i + 1; j < results.length; j++) {
    const a = results[i], b = results[j];
    const name = (r) => (r.path ? path.basename(path.dirname(r.path)) : null);
    pairs.push({ i, j, same_person: name(a) !== null && name(a) === name(b), euclidean: dist(a.descriptor, b.descriptor) });
  }

  let debug = null;
  if (items.length) { const t = toTensor3D(items[0].img); debug = debugActivations(t); t.dispose(); }

  const out = {
    what: 'face-api FaceRecognitionNet 128-D descriptors (raw, not unit-normalised) on fixed 150x150 crops',
    generated_by: 'tools/face-api-reference/descriptors.mjs',
    versions: versions(backend),
    model: { net: 'faceRecognitionNet', files: ['face_recognition_model-weights_manifest.json', 'face_recognition_model.bin'], loaded_from: 'node_modules/@vladmandic/face-api/model (same bytes as the SrFace model store)' },
    input: {
      decoder: args.raw.length ? 'raw RGB file (no decoding)' : 'jpeg-js decode(useTArray, formatAsRGBA:false)',
      crop: args.raw.length ? null : { ...CROP, note: 'integer crop rows y..y+size-1, cols x..x+size-1 of the decoded image; no resampling' },
      network_input: 'computeFaceDescriptor(tf.tensor3d(chip, [150,150,3], int32)); toBatchTensor(150, isCenterInputs=true): a 150x150 input needs no pad and no resize',
      normalisation: {
        formula: '(rgb - mean_rgb) / 255, channel order RGB, NHWC float32',
        mean_rgb: [122.782, 117.001, 104.298],
        divisor: 255,
        source: 'src/faceRecognitionNet/FaceRecognitionNet.ts: normalize(batchTensor, meanRgb).div(255); same in dist/face-api.node-wasm.js (the original face-api.js divided by 256)',
      },
      datasets_dir_default: 'shared/datasets (env SRFACE_DATASETS); paths below are relative to it',
    },
    distance: 'Euclidean on the raw descriptors; dlib/face-api threshold 0.6',
    batch_vs_single_max_abs_diff: batchMaxAbs,
    images: results,
    pairs,
    debug_first_image: debug,
  };
  const json = JSON.stringify(out, null, 1) + '\n';
  const dest = args.out ?? (args.raw.length ? '-' : path.join(toolDir, 'golden/face_recognition_descriptors.json'));
  if (dest === '-') process.stdout.write(json); else { fs.mkdirSync(path.dirname(dest), { recursive: true }); fs.writeFileSync(dest, json); console.error(`wrote ${dest}: ${results.length} descriptors (backend ${backend}, batch-vs-single max abs diff ${batchMaxAbs.toExponential(2)})`); }
}

main().catch((e) => { console.error(e.stack ?? e); process.exit(1); });

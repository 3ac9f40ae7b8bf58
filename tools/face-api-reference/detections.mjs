#!/usr/bin/env node
// Golden face detections and 68-point landmarks from the original face-api: TinyFaceDetector, SsdMobilenetv1 and
// FaceLandmark68Net (through face-api's own detectAllFaces(...).withFaceLandmarks() on an image tensor), on a few
// LFW images and on one synthetic 1280x720 photo with a ~50-px face built in memory. Writes numbers only.
//
//   node detections.mjs                 -> golden/detections.json
//   node detections.mjs --out FILE|-    -> elsewhere / stdout
//   node detections.mjs --images a.jpg b.jpg   (relative to the datasets folder, or absolute)
//   env: SRFACE_DATASETS, FACEAPI_BACKEND=wasm|cpu
import fs from 'node:fs';
import path from 'node:path';
import { faceapi, tf, initBackend, loadNets, versions, decodeJpeg, crop, byteStats, toTensor3D, datasetsDir, toolDir } from './lib/faceapi.mjs';
import { SYNTH, buildSynthetic } from './lib/synthetic.mjs';

const DEFAULT_IMAGES = [
  'Colin_Powell/Colin_Powell_0001.jpg', 'George_W_Bush/George_W_Bush_0002.jpg', 'Serena_Williams/Serena_Williams_0001.jpg',
  'Laura_Bush/Laura_Bush_0001.jpg', 'Hugo_Chavez/Hugo_Chavez_0001.jpg',
].map((p) => `lfw/lfw-deepfunneled/${p}`);

const TINY = { inputSize: 416, scoreThreshold: 0.3 };
const SSD = { minConfidence: 0.3, maxResults: 100 };

function parseArgs(argv) {
  const a = { images: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--images') { a.images = []; while (i + 1 < argv.length && !argv[i + 1].startsWith('--')) a.images.push(argv[++i]); }
    else if (k === '--out') a.out = argv[++i];
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const box = (b) => ({ x: b.x, y: b.y, w: b.width, h: b.height });
const pts = (lm) => lm.positions.map((p) => [p.x, p.y]);

async function run(imgTensor, W, H, detectorName, options) {
  const res = await faceapi.detectAllFaces(imgTensor, options).withFaceLandmarks();
  return res.map((r) => {
    const d = r.detection;
    // the crop face-api feeds to the landmark net: extractFaceTensors -> box.clipAtImageBorders(W, H) (floors x, y, w, h)
    const c = d.box.clipAtImageBorders(W, H);
    return {
      score: d.score,
      box: box(d.box),
      landmarks68: pts(r.landmarks),
      landmark_net_crop: { x: c.x, y: c.y, w: c.width, h: c.height },
      landmarks68_in_crop: pts(r.unshiftedLandmarks),
      aligned_rect: box(r.alignedRect.box),
    };
  });
}

const sigmoid = (v) => 1 / (1 + Math.exp(-v));
/** Summaries of the networks' raw outputs (before decoding / thresholds / NMS), for debugging a port. */
function rawOutputs(t) {
  return tf.tidy(() => {
    const tiny = faceapi.nets.tinyFaceDetector.forwardInput(new faceapi.NetInput([t]), TINY.inputSize); // [1, 13, 13, 5*5]
    const td = tiny.dataSync();
    const objectness = [];
    for (let i = 4; i < td.length; i += 5) objectness.push(sigmoid(td[i]));
    objectness.sort((a, b) => b - a);
    const ssd = faceapi.nets.ssdMobilenetv1.forwardInput(new faceapi.NetInput([t]));
    const sc = Array.from(ssd.scores[0].dataSync()).sort((a, b) => b - a);
    return {
      tiny: { shape: tiny.shape, layout: 'NHWC, channel = anchor*5 + [tx, ty, tw, th, to]', sum: tiny.sum().dataSync()[0], first8: Array.from(td.slice(0, 8)), top5_sigmoid_scores: objectness.slice(0, 5) },
      ssd: { boxes_shape: ssd.boxes[0].shape, scores_shape: ssd.scores[0].shape, boxes_sum: ssd.boxes[0].sum().dataSync()[0], top5_scores: sc.slice(0, 5) },
    };
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initBackend();
  await loadNets(['tinyFaceDetector', 'ssdMobilenetv1', 'faceLandmark68Net']);
  const tinyOpts = new faceapi.TinyFaceDetectorOptions(TINY);
  const ssdOpts = new faceapi.SsdMobilenetv1Options(SSD);

  const inputs = [];
  for (const rel of args.images ?? DEFAULT_IMAGES) {
    const img = decodeJpeg(path.isAbsolute(rel) ? rel : path.join(datasetsDir, rel));
    inputs.push({ name: rel, kind: 'lfw', img });
  }
  const src = decodeJpeg(path.join(datasetsDir, SYNTH.source.path));
  const synth = buildSynthetic(crop(src, SYNTH.source.crop.x, SYNTH.source.crop.y, SYNTH.source.crop.size, SYNTH.source.crop.size));
  inputs.push({ name: 'synthetic', kind: 'synthetic', img: synth, build: SYNTH });

  const images = [];
  for (const it of inputs) {
    const { width: W, height: H } = it.img;
    const t = toTensor3D(it.img);
    const s = byteStats(it.img.rgb);
    const entry = { name: it.name, kind: it.kind, width: W, height: H, rgb_bytes: { sum: s.sum, mean: s.mean } };
    if (it.build) {
      entry.build = it.build;
      entry.pasted_region_rgb_sum = byteStats(crop(it.img, SYNTH.paste.x, SYNTH.paste.y, SYNTH.paste.size, SYNTH.paste.size).rgb).sum;
    }
    entry.tiny_face_detector = await run(t, W, H, 'tiny', tinyOpts);
    entry.ssd_mobilenetv1 = await run(t, W, H, 'ssd', ssdOpts);
    if (it.build) {
      // at inputSize 416 the ~50-px face is ~16 px in the detector input: the tiny detector misses it; a larger input finds it
      entry.tiny_face_detector_input1280 = await run(t, W, H, 'tiny', new faceapi.TinyFaceDetectorOptions({ ...TINY, inputSize: 1280 }));
    }
    entry.raw_outputs = rawOutputs(t);
    t.dispose();
    images.push(entry);
    console.error(`${it.name}: tiny ${entry.tiny_face_detector.length} face(s) ${entry.tiny_face_detector.map((d) => d.score.toFixed(3)).join(' ')}, ssd ${entry.ssd_mobilenetv1.length} ${entry.ssd_mobilenetv1.map((d) => d.score.toFixed(3)).join(' ')}`);
  }

  const out = {
    what: 'face-api detections (boxes in original-image pixels, x/y = top-left) and 68 landmarks (original-image pixels) per detection',
    generated_by: 'tools/face-api-reference/detections.mjs',
    versions: versions(backend),
    pipeline: 'faceapi.detectAllFaces(tf.tensor3d(rgb, [H, W, 3], int32), options).withFaceLandmarks()  (FaceLandmark68Net, not the tiny one)',
    options: {
      tiny_face_detector: { ...TINY, iou_threshold_nms: 0.4, anchors: 'BOX_ANCHORS in src/tinyFaceDetector/const.ts (5 anchors, in 32-px grid cells)', mean_rgb: [117.001, 114.697, 97.404], divisor: 255 },
      ssd_mobilenetv1: { ...SSD, iou_threshold_nms: 0.5, input_size: 512, normalisation: 'x / 127.5 - 1' },
      face_landmark_68: { input_size: 112, mean_rgb: [122.782, 117.001, 104.298], divisor: 255 },
    },
    input_mapping: {
      detectors: 'NetInput.toBatchTensor(inputSize, isCenterInputs=false): the HxW image is padded with ZEROS (before normalisation) at the bottom (if W>H) or the right (if H>W) to a square of side max(W,H) (no padding at top/left), then tf.image.resizeBilinear(to inputSize x inputSize, alignCorners=false, halfPixelCenters=false: src = dst * (side/inputSize), no half-pixel offset) even when upsampling (250 -> 416 / 512); then normalised. Tiny: (x - mean_rgb)/255. SSD: x/127.5 - 1.',
      tiny_box_decode: 'per cell (row, col) and anchor a of a 13x13 grid (416/32): ctX = (col + sigmoid(tx))/13 * cf_x, ctY = (row + sigmoid(ty))/13 * cf_y, w = exp(tw)*anchor_a.x/13 * cf_x, h = exp(th)*anchor_a.y/13 * cf_y, score = sigmoid(to) (> scoreThreshold); cf = max(rw, rh)/rw or /rh with (rw, rh) = round(W*s), round(H*s), s = inputSize/max(W,H); box relative to the UNPADDED image, times (W, H); NMS (IoU 0.4) on boxes rescaled to inputSize',
      ssd_box_decode: 'boxes [top, left, bottom, right] relative to the padded 512 square, clipped to [0, 1], times 512/round(W*s) (x) and 512/round(H*s) (y) -> relative to the unpadded image, times (W, H); NMS IoU 0.5 before, maxResults 100',
      landmarks: 'extractFaceTensors: crop = detection box clipped to the image and FLOORED (x, y, w, h each Math.floor after clipping; see landmark_net_crop) sliced from the image; toBatchTensor(112, isCenterInputs=true): pad with zeros to a square, append round(|w-h|/2) at the bottom/right and the rest (|w-h| - round(|w-h|/2)) at the top/left, resizeBilinear to 112 (alignCorners=false, halfPixelCenters=false); (x - mean)/255; net outputs 136 values in [0,1] over the 112 input, interleaved x0,y0,x1,y1,...; postProcess: s = 112/max(w,h), pad = |w*s - h*s|/2 on the shorter axis (UNROUNDED, so an odd |w-h| is off by half a crop pixel against the actual padding), rel_x = (out_x*112 - padX)/(w*s), rel_y likewise; landmarks68_in_crop = rel * (w, h); landmarks68 = landmarks68_in_crop + (box.x, box.y) with the UNFLOORED detection box origin (not the floored crop origin)',
      aligned_rect: 'FaceLandmarks.align(): box of the landmarks (minBoxPadding 0.2 etc.), face-api uses it for the descriptor crop',
    },
    images,
  };
  const json = JSON.stringify(out, null, 1) + '\n';
  const dest = args.out ?? path.join(toolDir, 'golden/detections.json');
  if (dest === '-') process.stdout.write(json); else { fs.mkdirSync(path.dirname(dest), { recursive: true }); fs.writeFileSync(dest, json); console.error(`wrote ${dest}`); }
}

main().catch((e) => { console.error(e.stack ?? e); process.exit(1); });

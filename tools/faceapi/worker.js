'use strict';

// vneid face worker: face detection and 128-d face descriptors with
// @vladmandic/face-api on the TensorFlow.js WASM backend.
//
// Protocol (JSON Lines; one JSON object per line):
//   stdout, once, after the models are loaded:
//     {"ready":true,"engine":"face-api","version":"1.7.15","backend":"wasm"}
//     (or {"ready":false,"error":"..."} followed by exit status 1)
//   stdin  {"id":N,"op":"ping"}
//   stdout {"id":N,"ok":true}
//   stdin  {"id":N,"op":"describe","image":{"width":W,"height":H,"rgb":"<base64 of W*H*3 bytes>"},
//           "minConfidence":0.5}            (minConfidence is optional)
//   stdout {"id":N,"faces":[{"score":0.99,"box":[x,y,w,h],"descriptor":[128 numbers]}]}
//           faces are all the faces found, highest detection score first;
//           box is in pixels of the image received.
//   stdout {"id":N,"error":"..."}           for a request that failed
// Requests are answered one at a time, in the order received. The worker
// exits when stdin closes. Nothing but protocol lines is written to stdout;
// diagnostics go to stderr. Image pixels are never logged.
//
// Nothing is downloaded: the WASM binaries come from the installed
// @tensorflow/tfjs-backend-wasm package, the model weights from the installed
// @vladmandic/face-api package, and fetch is disabled before either loads.

const path = require('path');
const readline = require('readline');
const util = require('util');

// Everything the libraries print goes to stderr, so that stdout carries only
// protocol lines.
function logErr(...args) {
  process.stderr.write(`${util.format(...args)}\n`);
}
console.log = logErr; // eslint-disable-line no-console
console.info = logErr; // eslint-disable-line no-console
console.debug = logErr; // eslint-disable-line no-console
console.warn = logErr; // eslint-disable-line no-console
console.error = logErr; // eslint-disable-line no-console

function send(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

// No network at run time: anything that tries to fetch fails loudly.
globalThis.fetch = () => Promise.reject(new Error('vneid face worker: network access is disabled'));

const MAX_SIDE = 4096; // the Go side sends at most 1024; this is a backstop
const MAX_FACES = 20;
const DEFAULT_MIN_CONFIDENCE = 0.5; // face-api's default for ssd_mobilenetv1

const moduleDir = path.join(__dirname, 'node_modules');
const modelDir = path.join(moduleDir, '@vladmandic', 'face-api', 'model');
const wasmDir = path.join(moduleDir, '@tensorflow', 'tfjs-backend-wasm', 'dist');

let faceapi;
let tf;

async function load() {
  const t0 = process.hrtime.bigint();
  const wasm = require('@tensorflow/tfjs-backend-wasm'); // eslint-disable-line global-require
  faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js'); // eslint-disable-line global-require
  tf = faceapi.tf;
  wasm.setWasmPaths(wasmDir + path.sep, false);
  if (!(await tf.setBackend('wasm'))) throw new Error('cannot initialise the tfjs wasm backend');
  await tf.ready();
  const backend = tf.getBackend();
  if (backend !== 'wasm') throw new Error(`tfjs backend is ${backend}, want wasm`);
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  const t1 = process.hrtime.bigint();
  await warmUp();
  const t2 = process.hrtime.bigint();
  logErr(`face-api ${faceapi.version} tfjs ${tf.version_core} backend ${backend} simd=${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}: `
    + `models loaded in ${(Number(t1 - t0) / 1e6).toFixed(0)} ms, warm-up ${(Number(t2 - t1) / 1e6).toFixed(0)} ms`);
  return backend;
}

// warmUp runs each network once on blank input, so that the first real
// request does not pay for the backend's one-time kernel set-up and its time
// is representative of every later one.
async function warmUp() {
  const blank = tf.zeros([160, 160, 3], 'int32');
  try {
    await faceapi.detectAllFaces(blank, new faceapi.SsdMobilenetv1Options({ minConfidence: DEFAULT_MIN_CONFIDENCE }));
    await faceapi.nets.faceLandmark68Net.detectLandmarks(blank);
    await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(blank);
  } finally {
    tf.dispose(blank);
  }
}

function checkImage(img) {
  if (img === null || typeof img !== 'object') throw new Error('image: missing');
  const { width, height, rgb } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error('image: width and height must be positive integers');
  }
  if (width > MAX_SIDE || height > MAX_SIDE) throw new Error(`image: larger than ${MAX_SIDE} pixels on a side`);
  if (typeof rgb !== 'string') throw new Error('image: rgb must be a base64 string');
  const buf = Buffer.from(rgb, 'base64');
  if (buf.length !== width * height * 3) {
    throw new Error(`image: rgb has ${buf.length} bytes, want ${width * height * 3} (width*height*3)`);
  }
  return { width, height, buf };
}

function round(v, digits) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

async function describe(req) {
  const { width, height, buf } = checkImage(req.image);
  let minConfidence = DEFAULT_MIN_CONFIDENCE;
  if (req.minConfidence !== undefined) {
    if (typeof req.minConfidence !== 'number' || !(req.minConfidence > 0 && req.minConfidence < 1)) {
      throw new Error('minConfidence must be a number between 0 and 1');
    }
    minConfidence = req.minConfidence;
  }
  const pixels = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  const input = tf.tensor3d(pixels, [height, width, 3], 'int32');
  try {
    const options = new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: MAX_FACES });
    const results = await faceapi.detectAllFaces(input, options).withFaceLandmarks().withFaceDescriptors();
    const faces = results.map((r) => {
      const { box, score } = r.detection;
      return {
        score: round(score, 6),
        box: [round(box.x, 2), round(box.y, 2), round(box.width, 2), round(box.height, 2)],
        descriptor: Array.from(r.descriptor),
      };
    });
    faces.sort((a, b) => b.score - a.score);
    return { faces };
  } finally {
    tf.dispose(input);
  }
}

async function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (err) {
    send({ id: null, error: 'request is not valid JSON' });
    return;
  }
  if (req === null || typeof req !== 'object') {
    send({ id: null, error: 'request is not a JSON object' });
    return;
  }
  const id = Number.isSafeInteger(req.id) ? req.id : null;
  try {
    switch (req.op) {
      case 'ping':
        send({ id, ok: true });
        break;
      case 'describe': {
        const t0 = process.hrtime.bigint();
        const res = await describe(req);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        logErr(`id=${id} describe ${req.image.width}x${req.image.height}: ${res.faces.length} face(s) in ${ms.toFixed(0)} ms, tensors=${tf.memory().numTensors}`);
        send({ id, faces: res.faces });
        break;
      }
      default:
        send({ id, error: `unknown op ${JSON.stringify(String(req.op)).slice(0, 40)}` });
    }
  } catch (err) {
    send({ id, error: String((err && err.message) || err) });
  }
}

async function main() {
  let backend;
  try {
    backend = await load();
  } catch (err) {
    logErr('start failed:', err && err.stack ? err.stack : err);
    send({ ready: false, error: `start failed: ${String((err && err.message) || err)}` });
    process.exit(1);
  }
  // Requests are processed strictly one after another: tfjs on wasm runs on
  // this one thread anyway, and the Go side sends one request at a time.
  let queue = Promise.resolve();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    queue = queue.then(() => handle(line));
  });
  rl.on('close', () => {
    queue.then(() => process.exit(0));
  });
  send({ ready: true, engine: 'face-api', version: faceapi.version, backend });
}

process.on('unhandledRejection', (err) => {
  logErr('unhandled rejection:', err && err.stack ? err.stack : err);
  process.exit(1);
});

main();

// EfficientNMS_TRT, TensorRT's NMS plugin for detection models (YOLO and SSD exports end in it). Each result is
// checked against onnxruntime-node running ONNX NonMaxSuppression on the same boxes and scores: the plugin keeps, per
// image, the boxes that per-class greedy NMS keeps (one class for class_agnostic), best score first, up to
// max_output_boxes. The reference graph gives the kept (image, class, box) triples and the scores and corner boxes
// they index; only the ranking of the triples by score is done here. Also checked: the legacy (IPluginV2) creator
// kind, the plugin's refusals, and its dense path's fill of below-threshold boxes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine, describeOnnx, plugins } from '../lib/index.js';
import type { BuildProfile } from '../lib/index.js';
import { runOrt } from './helpers/ort.js';
import { model, node, tensor, valueInfo } from './models/onnx-builder.js';
import type { NodeProto } from './models/onnx-builder.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

interface NmsAttrs {
  score_threshold: number;
  iou_threshold: number;
  max_output_boxes: number;
  background_class: number;
  score_activation: number;
  box_coding: number;
  class_agnostic?: number;
}
const BASE: NmsAttrs = { score_threshold: 0.3, iou_threshold: 0.45, max_output_boxes: 20, background_class: -1, score_activation: 0, box_coding: 0 };
const OUTPUTS = ['num_detections', 'detection_boxes', 'detection_scores', 'detection_classes'];

function nmsOnnx(attrs: NmsAttrs, batch: number | string, boxes: number | string, classes: number, anchors = false) {
  const k = attrs.max_output_boxes;
  return model({
    inputs: [
      valueInfo('boxes', 'float32', [batch, boxes, 4]),
      valueInfo('scores', 'float32', [batch, boxes, classes]),
      ...(anchors ? [valueInfo('anchors', 'float32', [1, boxes, 4])] : []),
    ],
    outputs: [
      valueInfo('num_detections', 'int32', [batch, 1]),
      valueInfo('detection_boxes', 'float32', [batch, k, 4]),
      valueInfo('detection_scores', 'float32', [batch, k]),
      valueInfo('detection_classes', 'int32', [batch, k]),
    ],
    nodes: [node('EfficientNMS_TRT', anchors ? ['boxes', 'scores', 'anchors'] : ['boxes', 'scores'], OUTPUTS, { ...attrs, plugin_version: '1' })],
  });
}

// The reference: ONNX NonMaxSuppression over every (box, class) of each class (or over all of them as one class for
// class_agnostic), with the scores after the activation and the boxes as corners, both given back for the ranking.
function referenceOnnx(attrs: NmsAttrs, batch: number, boxes: number, classes: number, anchors = false) {
  const nodes: NodeProto[] = [];
  let corners = 'boxes';
  if (anchors) {
    nodes.push(node('Add', ['boxes', 'anchors'], ['decoded']));
    corners = 'decoded';
  }
  if (attrs.box_coding === 1) {
    // [a, b, c, d] = centre and size, either axis first: corners [a - c/2, b - d/2, a + c/2, b + d/2].
    nodes.push(
      node('Split', [corners, 'split2'], ['centre', 'size'], { axis: 2 }),
      node('Mul', ['size', 'half'], ['halfSize']),
      node('Sub', ['centre', 'halfSize'], ['low']),
      node('Add', ['centre', 'halfSize'], ['high']),
      node('Concat', ['low', 'high'], ['asCorners'], { axis: 2 }),
    );
    corners = 'asCorners';
  }
  nodes.push(node('Identity', [corners], ['corners']));
  nodes.push(node(attrs.score_activation ? 'Sigmoid' : 'Identity', ['scores'], ['probs']));
  if (attrs.class_agnostic) {
    nodes.push(
      node('Unsqueeze', ['corners', 'axis2'], ['cornersPerClass0']),
      node('Expand', ['cornersPerClass0', 'expandShape'], ['cornersPerClass']),
      node('Reshape', ['cornersPerClass', 'flatBoxesShape'], ['nmsBoxes']),
      node('Reshape', ['probs', 'flatScoresShape'], ['nmsScores']),
    );
  } else {
    nodes.push(node('Identity', ['corners'], ['nmsBoxes']), node('Transpose', ['probs'], ['nmsScores'], { perm: [0, 2, 1] }));
  }
  nodes.push(node('NonMaxSuppression', ['nmsBoxes', 'nmsScores', 'perClass', 'iou', 'scoreThreshold'], ['selected']));
  return model({
    inputs: [
      valueInfo('boxes', 'float32', [batch, boxes, 4]),
      valueInfo('scores', 'float32', [batch, boxes, classes]),
      ...(anchors ? [valueInfo('anchors', 'float32', [1, boxes, 4])] : []),
    ],
    outputs: [valueInfo('selected', 'int64', ['m', 3]), valueInfo('probs', 'float32', [batch, boxes, classes]), valueInfo('corners', 'float32', [batch, boxes, 4])],
    initializers: [
      tensor('perClass', 'int64', [1], [boxes * classes]),
      tensor('iou', 'float32', [1], [attrs.iou_threshold]),
      // The plugin compares raw scores with the threshold's logit; after the sigmoid that is the threshold itself.
      tensor('scoreThreshold', 'float32', [1], [attrs.score_threshold]),
      tensor('split2', 'int64', [2], [2, 2]),
      tensor('half', 'float32', [], [0.5]),
      tensor('axis2', 'int64', [1], [2]),
      tensor('expandShape', 'int64', [4], [batch, boxes, classes, 4]),
      tensor('flatBoxesShape', 'int64', [3], [batch, boxes * classes, 4]),
      tensor('flatScoresShape', 'int64', [3], [batch, 1, boxes * classes]),
    ],
    nodes,
  });
}

// What the plugin must output, from the reference's kept triples: per image, ranked by score (then by element index,
// the order the simulator gives equal scores), cut to max_output_boxes, zero past the count.
function expected(ref: Record<string, { data: unknown }>, attrs: NmsAttrs, batch: number, boxes: number, classes: number) {
  const selected = ref.selected!.data as BigInt64Array;
  const probs = ref.probs!.data as Float32Array;
  const corners = ref.corners!.data as Float32Array;
  const k = attrs.max_output_boxes;
  const out = { num: new Int32Array(batch), boxes: new Float32Array(batch * k * 4), scores: new Float32Array(batch * k), classes: new Int32Array(batch * k) };
  for (let b = 0; b < batch; b++) {
    const kept: { box: number; cls: number; score: number }[] = [];
    for (let r = 0; r < selected.length / 3; r++) {
      if (Number(selected[r * 3]) !== b) continue;
      const index = Number(selected[r * 3 + 2]);
      const [box, cls] = attrs.class_agnostic ? [Math.floor(index / classes), index % classes] : [index, Number(selected[r * 3 + 1])];
      if (cls === attrs.background_class) continue;
      kept.push({ box, cls, score: probs[(b * boxes + box) * classes + cls]! });
    }
    kept.sort((x, y) => y.score - x.score || x.box * classes + x.cls - (y.box * classes + y.cls));
    const top = kept.slice(0, k);
    out.num[b] = top.length;
    top.forEach((d, i) => {
      out.scores[b * k + i] = d.score;
      out.classes[b * k + i] = d.cls;
      for (let c = 0; c < 4; c++) out.boxes[(b * k + i) * 4 + c] = corners[(b * boxes + d.box) * 4 + c]!;
    });
  }
  return out;
}

// Seeded data: overlapping boxes (corners, or centre and size) and scores (probabilities, or logits).
function feedsFor(attrs: NmsAttrs, batch: number, boxes: number, classes: number, seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const box = new Float32Array(batch * boxes * 4);
  for (let i = 0; i < batch * boxes; i++) {
    const [a, b, w, h] = [next() * 60, next() * 60, 6 + next() * 30, 6 + next() * 30];
    box.set(attrs.box_coding === 1 ? [a + w / 2, b + h / 2, w, h] : [a, b, a + w, b + h], i * 4);
  }
  const score = Float32Array.from({ length: batch * boxes * classes }, () => (attrs.score_activation ? (next() - 0.5) * 8 : next()));
  return { boxes: Tensor.from('float32', box, [batch, boxes, 4]), scores: Tensor.from('float32', score, [batch, boxes, classes]) };
}

async function runNms(onnx: Uint8Array, feeds: Record<string, Tensor>, profiles: BuildProfile[] = []) {
  using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles }));
  using context = engine.createContext();
  return context.run(feeds);
}

function expectLike(result: Awaited<ReturnType<typeof runNms>>, want: ReturnType<typeof expected>) {
  expect(Array.from(result.num_detections!.data as Int32Array)).toEqual(Array.from(want.num));
  expect(Array.from(result.detection_classes!.data as Int32Array)).toEqual(Array.from(want.classes));
  const close = (actual: Float32Array, wanted: Float32Array) => {
    expect(actual.length).toBe(wanted.length);
    actual.forEach((v, i) => expect(Math.abs(v - wanted[i]!), `element ${i}: ${v} vs ${wanted[i]}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(wanted[i]!)));
  };
  close(result.detection_scores!.data as Float32Array, want.scores);
  close(result.detection_boxes!.data as Float32Array, want.boxes);
}

describe('EfficientNMS_TRT against onnxruntime NonMaxSuppression', () => {
  it('is one of the standard plugins, with a creator of the legacy IPluginV2 kind, whose layers are IPluginV2 layers', async () => {
    expect(plugins({ backend: 'simulator' }).creators).toContainEqual({ name: 'EfficientNMS_TRT', version: '1', namespace: '', kind: 'v2', library: plugins({ backend: 'simulator' }).standard.path });
    // The parser's network holds an IPluginV2Layer; its plugin (IPluginV2) names itself.
    const network = await describeOnnx(nmsOnnx(BASE, 1, 8, 3), { backend: 'simulator' });
    expect(network.plugins).toEqual([{ name: 'EfficientNMS_TRT', version: '1', namespace: '', kind: 'v2', library: plugins({ backend: 'simulator' }).standard.path }]);
  });

  it.each([
    ['per class, corners, cut to max_output_boxes', BASE],
    ['per class, fewer detections than max_output_boxes (zero padding)', { ...BASE, score_threshold: 0.8, max_output_boxes: 100 }],
    ['class_agnostic', { ...BASE, class_agnostic: 1 }],
    ['score_activation (raw logits, threshold in probability)', { ...BASE, score_activation: 1, score_threshold: 0.6 }],
    ['box_coding 1 (centre and size)', { ...BASE, box_coding: 1 }],
    ['background_class 0', { ...BASE, background_class: 0 }],
  ] as [string, NmsAttrs][])('%s', async (_, attrs) => {
    const [batch, boxes, classes] = [2, 80, 3];
    const feeds = feedsFor(attrs, batch, boxes, classes, 7);
    const result = await runNms(nmsOnnx(attrs, batch, boxes, classes), feeds);
    const ref = await runOrt(referenceOnnx(attrs, batch, boxes, classes), feeds as never);
    const want = expected(ref, attrs, batch, boxes, classes);
    expect(Math.min(...want.num)).toBeGreaterThan(0);
    expectLike(result, want);
  });

  it('decodes boxes with anchors (the fused box decoder, corners: added)', async () => {
    const [batch, boxes, classes] = [1, 50, 2];
    const base = feedsFor(BASE, batch, boxes, classes, 11);
    const deltas = Float32Array.from({ length: boxes * 4 }, (_, i) => ((i * 37) % 11) * 0.2 - 1 + (i % 4 >= 2 ? 2.5 : 0));
    const feeds = { boxes: Tensor.from('float32', deltas, [1, boxes, 4]), scores: base.scores, anchors: Tensor.from('float32', base.boxes.data, [1, boxes, 4]) };
    const result = await runNms(nmsOnnx(BASE, batch, boxes, classes, true), feeds);
    const ref = await runOrt(referenceOnnx(BASE, batch, boxes, classes, true), feeds as never);
    expectLike(result, expected(ref, BASE, batch, boxes, classes));
  });

  it('takes dynamic batch and box counts within its profile', async () => {
    const onnx = nmsOnnx(BASE, 'b', 'n', 3);
    const profile: BuildProfile = { boxes: { min: [1, 1, 4], opt: [2, 64, 4], max: [4, 128, 4] }, scores: { min: [1, 1, 3], opt: [2, 64, 3], max: [4, 128, 3] } };
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [profile] }));
    using context = engine.createContext();
    for (const [batch, boxes] of [[3, 100], [1, 17]] as const) {
      const feeds = feedsFor(BASE, batch, boxes, 3, batch * 100 + boxes);
      const ref = await runOrt(referenceOnnx(BASE, batch, boxes, 3), feeds as never);
      expectLike(await context.run(feeds), expected(ref, BASE, batch, boxes, 3));
    }
  });
});

describe("the plugin's own rules", () => {
  it('below a score threshold of 0.007 it takes its dense path: below-threshold boxes fill the output with score -32768', async () => {
    const attrs = { ...BASE, score_threshold: 0.005, max_output_boxes: 6, iou_threshold: 0.99 };
    const boxes = Float32Array.from({ length: 8 * 4 }, (_, i) => Math.floor(i / 4) * 100 + (i % 4 >= 2 ? 10 : 0)); // disjoint
    const scores = Float32Array.from([0.9, 0.001, 0.5, 0.001, 0.001, 0.7, 0.001, 0.001]);
    const result = await runNms(nmsOnnx(attrs, 1, 8, 1), { boxes: Tensor.from('float32', boxes, [1, 8, 4]), scores: Tensor.from('float32', scores, [1, 8, 1]) });
    expect(Array.from(result.num_detections!.data as Int32Array)).toEqual([6]);
    expect(Array.from(result.detection_scores!.data as Float32Array)).toEqual([...[0.9, 0.7, 0.5].map(Math.fround), -32768, -32768, -32768]);
    // The filler keeps element order: boxes 1, 3 and 4.
    expect(Array.from(result.detection_boxes!.data as Float32Array).slice(12, 24)).toEqual([100, 100, 110, 110, 300, 300, 310, 310, 400, 400, 410, 410]);
  });

  it('a required field left out: the parser cannot create the plugin, and the plugin logs why', async () => {
    const { box_coding: _, ...withoutCoding } = BASE;
    const error = (await buildEngine(nmsOnnx(withoutCoding as NmsAttrs, 1, 8, 2), { backend: 'simulator' }).catch((e: unknown) => e)) as BuildFailedError;
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error.details[0]).toBe('node 0 (EfficientNMS_TRT_0, EfficientNMS_TRT): Could not create the plugin.');
    expect(error.trtLog).toContain('[E] EfficientNMS_TRT: the required field box_coding is missing');
    // Before it, the parser's warning for each field the creator lists that the node does not set (class_agnostic
    // has a default, box_coding does not), in onnx-tensorrt's words.
    const warning = (field: string) => `[W] Attribute ${field} not found in plugin node! Ensure that the plugin creator has a default value defined or the engine may fail to build.`;
    expect(error.trtLog).toEqual(expect.arrayContaining([warning('box_coding'), warning('class_agnostic')]));
  });

  it('boxes and scores that disagree on the number of boxes are refused at build time, naming both shapes', async () => {
    const onnx = model({
      inputs: [valueInfo('boxes', 'float32', [1, 10, 4]), valueInfo('scores', 'float32', [1, 12, 2])],
      outputs: OUTPUTS.map((o, i) => valueInfo(o, i === 0 || i === 3 ? 'int32' : 'float32', i === 0 ? [1, 1] : i === 1 ? [1, 20, 4] : [1, 20])),
      nodes: [node('EfficientNMS_TRT', ['boxes', 'scores'], OUTPUTS, { ...BASE })],
    });
    const error = (await buildEngine(onnx, { backend: 'simulator' }).catch((e: unknown) => e)) as BuildFailedError;
    expect(error).toBeInstanceOf(BuildFailedError);
    expect(error.message).toContain('EfficientNMS_TRT: boxes [1,10,4] and scores [1,12,2] disagree on the number of boxes');
  });
});

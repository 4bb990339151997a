// If, Loop and Scan beyond one node (operators.test.ts has those). If: branches that read the graph's inputs and
// initializers, nested Ifs, dynamic shapes through one profile, a condition that is a weight (TensorRT's parser
// imports only the branch it selects), and what TensorRT refuses (branches whose outputs differ in type, rank or,
// for the simulator, extents). Loop: a trip count computed from the shapes, a loop ended by its condition, an If
// inside a body, and what TensorRT's parser would compute otherwise than ONNX, refused. Scan: dynamic sequence
// lengths through one profile, and the parser's quirks refused.
// Results are checked against onnxruntime-node (FP32_TOLERANCE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { graphAttr, model, node, tensor, tensorAttr, valueInfo } from './models/onnx-builder.js';
import type { AttrValue, Dim, NodeProto } from './models/onnx-builder.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

const condition = (value: boolean) => Tensor.from('bool', Uint8Array.of(value ? 1 : 0), []);
const floats = (dims: number[], seed: number) =>
  Tensor.from('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.round(Math.sin(seed + i * 1.7) * 300) / 100), dims);
const constant = (name: string, values: number[], dims: number[] = [values.length]) =>
  node('Constant', [], [name], { value: tensorAttr(tensor(name, 'float32', dims, values)) });
const ifNode = (cond: string, thenNodes: NodeProto[], thenOut: string, elseNodes: NodeProto[], elseOut: string, out: string, dims: Dim[] = [2, 3]) =>
  node('If', [cond], [out], {
    then_branch: graphAttr('then', [valueInfo(thenOut, 'float32', dims)], thenNodes),
    else_branch: graphAttr('else', [valueInfo(elseOut, 'float32', dims)], elseNodes),
  }, 'the_if');

async function buildError(onnx: Uint8Array): Promise<string> {
  const e = await buildEngine(onnx, { backend: 'simulator' }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(BuildFailedError);
  const error = e as BuildFailedError;
  return [error.message, ...error.details].join('\n');
}

describe('If with a condition known when the network runs', () => {
  it("branches read the graph's inputs, initializers and earlier results, and their own constants", async () => {
    const onnx = model({
      inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', [2, 3]), valueInfo('y', 'float32', [2, 3])],
      outputs: [valueInfo('out', 'float32', [2, 3])],
      initializers: [tensor('scale', 'float32', [3], [0.5, -1, 2])],
      nodes: [
        node('Tanh', ['x'], ['tx']),
        ifNode('c', [node('Mul', ['tx', 'scale'], ['t1']), node('Add', ['t1', 'y'], ['t'])], 't',
          [constant('shift', [1, 2, 3]), node('Sub', ['y', 'shift'], ['e'])], 'e', 'branch'),
        node('Relu', ['branch'], ['out']),
      ],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    for (const value of [true, false, true]) {
      const feeds = { c: condition(value), x: floats([2, 3], 1), y: floats([2, 3], 2) };
      await expectLikeOrt(onnx, feeds, await context.run(feeds));
    }
  });

  it('nested: an If inside a branch, on a condition of the outer graph', async () => {
    const inner = node('If', ['c2'], ['inner'], {
      then_branch: graphAttr('then2', [valueInfo('a', 'float32', [2, 3])], [node('Neg', ['x'], ['a'])]),
      else_branch: graphAttr('else2', [valueInfo('b', 'float32', [2, 3])], [node('Abs', ['x'], ['b'])]),
    });
    const onnx = model({
      inputs: [valueInfo('c1', 'bool', []), valueInfo('c2', 'bool', [1]), valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('out', 'float32', [2, 3])],
      nodes: [ifNode('c1', [inner, node('Sigmoid', ['inner'], ['t'])], 't', [node('Exp', ['x'], ['e'])], 'e', 'out')],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    for (const [c1, c2] of [[true, true], [true, false], [false, true]] as const) {
      const feeds = { c1: condition(c1), c2: Tensor.from('bool', Uint8Array.of(c2 ? 1 : 0), [1]), x: floats([2, 3], 3) };
      await expectLikeOrt(onnx, feeds, await context.run(feeds));
    }
  });

  it('dynamic shapes through one profile, with shape arithmetic inside a branch', async () => {
    // The else branch reshapes x to [-1] with a shape it computes: the values of small results inside a branch
    // reach the inference of the nodes after them.
    const onnx = model({
      inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', ['n', 4])],
      outputs: [valueInfo('out', 'float32', ['m'])],
      initializers: [tensor('flat', 'int64', [1], [-1n])],
      nodes: [
        node('If', ['c'], ['out'], {
          then_branch: graphAttr('then', [valueInfo('t', 'float32', ['m'])], [node('Reshape', ['x', 'flat'], ['r']), node('Relu', ['r'], ['t'])]),
          else_branch: graphAttr('else', [valueInfo('e', 'float32', ['m'])], [
            node('Shape', ['x'], ['s']),
            node('ReduceProd', ['s'], ['volume'], { keepdims: 1 }),
            node('Reshape', ['x', 'volume'], ['e']),
          ]),
        }, 'the_if'),
      ],
    });
    const profiles = [{ x: { min: [1, 4], opt: [2, 4], max: [5, 4] } }];
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles }));
    using context = engine.createContext();
    for (const [n, value] of [[1, true], [5, false], [3, true], [2, false]] as const) {
      const feeds = { c: condition(value), x: floats([n, 4], n) };
      const result = await context.run(feeds);
      expect(result.out!.dims).toEqual([n * 4]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });

  it('outputs whose extents differ between the branches only for dynamic shapes: refused when the profile is checked', async () => {
    // then keeps x's rows, else drops the first: the output's shape would depend on the condition. The builder
    // computes every layer's shapes at the profile's min, opt and max shapes, which finds it.
    const onnx = model({
      inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', ['n', 2])],
      outputs: [valueInfo('out', 'float32', ['m', 2])],
      initializers: [tensor('one', 'int64', [1], [1n]), tensor('big', 'int64', [1], [1000n]), tensor('zero', 'int64', [1], [0n])],
      nodes: [ifNode('c', [node('Relu', ['x'], ['t'])], 't', [node('Slice', ['x', 'one', 'big', 'zero'], ['e'])], 'e', 'out', ['m', 2])],
    });
    const profiles = [{ x: { min: [1, 2], opt: [2, 2], max: [4, 2] } }];
    const e = await buildEngine(onnx, { backend: 'simulator', profiles }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BuildFailedError);
    expect((e as Error).message).toMatch(/node 'the_if' \(If\): If: output 0 has shape \[1,2\] in then_branch and \[0,2\] in else_branch: an output whose extents depend on the condition is not modelled by the simulator/);
  });
});

describe('If whose condition is a weight: TensorRT imports only the selected branch', () => {
  it.each([true, false])('condition %s: the other branch is never read (it holds an operator TensorRT has no importer for)', async (value) => {
    const unreadable = [node('Unique', ['x'], ['u']), node('Identity', ['u'], ['w'])];
    const readable = [node('Softsign', ['x'], ['v'])];
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [4])],
      outputs: [valueInfo('out', 'float32', [4])],
      initializers: [tensor('c', 'bool', [], [value])],
      nodes: [
        node('If', ['c'], ['out'], {
          then_branch: graphAttr('then', [valueInfo(value ? 'v' : 'w', 'float32', [4])], value ? readable : unreadable),
          else_branch: graphAttr('else', [valueInfo(value ? 'w' : 'v', 'float32', [4])], value ? unreadable : readable),
        }, 'the_if'),
      ],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    const feeds = { x: Tensor.from('float32', Float32Array.of(-2, 0.5, 3, -0.25), [4]) };
    await expectLikeOrt(onnx, feeds, await context.run(feeds));
  });

  it("a failure inside the selected branch names the branch's node", async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [4])],
      outputs: [valueInfo('out', 'float32', [4])],
      initializers: [tensor('c', 'bool', [], [false])],
      nodes: [
        node('If', ['c'], ['out'], {
          then_branch: graphAttr('then', [valueInfo('v', 'float32', [4])], [node('Relu', ['x'], ['v'])]),
          else_branch: graphAttr('else', [valueInfo('w', 'float32', [4])], [node('Relu', ['x'], ['r']), node('Unique', ['r'], ['w'])]),
        }, 'the_if'),
      ],
    });
    expect(await buildError(onnx)).toMatch(/node 0 \(the_if\/else_branch\/Unique_1, Unique\): Plugin not found, are the plugin name, version, and namespace correct\?/);
  });
});

describe('what TensorRT refuses, and what the simulator does not model, refused at build time naming the node', () => {
  const twoBranches = (thenNodes: NodeProto[], thenOut: ReturnType<typeof valueInfo>, elseNodes: NodeProto[], elseOut: ReturnType<typeof valueInfo>, cond: Dim[] = []) =>
    model({
      inputs: [valueInfo('c', 'bool', cond), valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('out', 'float32', [])],
      nodes: [node('If', ['c'], ['out'], { then_branch: graphAttr('then', [thenOut], thenNodes), else_branch: graphAttr('else', [elseOut], elseNodes) }, 'the_if')],
    });

  it.each([
    ['outputs of different types', twoBranches([node('Relu', ['x'], ['t'])], valueInfo('t', 'float32', [2, 3]), [node('Shape', ['x'], ['e'])], valueInfo('e', 'int64', [2])),
      /If: output 0 is float32 in then_branch and int64 in else_branch: TensorRT requires the same type in both/],
    ['outputs of different ranks', twoBranches([node('Relu', ['x'], ['t'])], valueInfo('t', 'float32', [2, 3]), [node('ReduceSum', ['x'], ['e'], { keepdims: 0 })], valueInfo('e', 'float32', [])),
      /If: output 0 has shape \[2,3\] in then_branch and \[\] in else_branch: TensorRT requires the same rank in both/],
    ['outputs whose extents differ', twoBranches([node('Relu', ['x'], ['t'])], valueInfo('t', 'float32', [2, 3]), [node('Transpose', ['x'], ['e'])], valueInfo('e', 'float32', [3, 2])),
      /If: output 0 has shape \[2,3\] in then_branch and \[3,2\] in else_branch: an output whose extents depend on the condition is not modelled by the simulator/],
    ['a condition of two values', twoBranches([node('Relu', ['x'], ['t'])], valueInfo('t', 'float32', [2, 3]), [node('Neg', ['x'], ['e'])], valueInfo('e', 'float32', [2, 3]), [2]),
      /If: the condition must hold one value \(a scalar\), got shape \[2\]/],
    ['a branch with a data-dependent output', twoBranches([node('NonZero', ['x'], ['t'])], valueInfo('t', 'int64', []), [node('NonZero', ['x'], ['e'])], valueInfo('e', 'int64', [])),
      /If: then_branch: node NonZero_0 \(NonZero\) has outputs whose extents depend on the data, which the simulator does not model inside If/],
    ['a random generator inside a branch', twoBranches([node('RandomNormalLike', ['x'], ['t'])], valueInfo('t', 'float32', [2, 3]), [node('Neg', ['x'], ['e'])], valueInfo('e', 'float32', [2, 3])),
      /RandomNormalLike is imported by TensorRT's ONNX parser but not modelled by the simulator/],
  ])('%s', async (_, onnx, reason) => {
    const text = await buildError(onnx);
    expect(text).toMatch(/node 0 \((the_if, If|RandomNormalLike_0, RandomNormalLike)\)/); // a node inside a branch is named itself
    expect(text).toMatch(reason);
  });
});

describe('Loop', () => {
  const body = (outputs: ReturnType<typeof valueInfo>[], nodes: NodeProto[], carried: ReturnType<typeof valueInfo>[] = []) =>
    graphAttr('body', outputs, nodes, [valueInfo('i', 'int64', []), valueInfo('cond_in', 'bool', []), ...carried]);

  it('a scan output the node leaves out is not written; the carried value still is', async () => {
    // onnxruntime cannot run a Loop with an omitted output, so its reference is the same loop with the scan named.
    const loop = (outputs: string[]) => model({
      inputs: [valueInfo('v', 'float32', [2])],
      outputs: [valueInfo('out', 'float32', [2])],
      initializers: [tensor('M', 'int64', [], [3n]), tensor('yes', 'bool', [], [true])],
      nodes: [node('Loop', ['M', 'yes', 'v'], outputs, {
        body: body([valueInfo('cond_out', 'bool', []), valueInfo('v_out', 'float32', [2]), valueInfo('each', 'float32', [2])], [node('Identity', ['cond_in'], ['cond_out']), node('Exp', ['v_in'], ['v_out']), node('Neg', ['v_out'], ['each'])], [valueInfo('v_in', 'float32', [2])]),
      }, 'the_loop')],
    });
    using engine = await runtime.deserialize(await buildEngine(loop(['out', '']), { backend: 'simulator' }));
    using context = engine.createContext();
    const feeds = { v: Tensor.from('float32', Float32Array.of(-1, 0.25), [2]) };
    await expectLikeOrt(loop(['out', 'unused_scan']), feeds, await context.run(feeds));
  });

  it("a trip count computed from x's shape: one engine scans 1 to 5 rows, and an If in the body picks per iteration", async () => {
    // Row i of x is scaled by i when i is even and negated when odd; the carried value counts the even rows.
    const even = node('If', ['is_even'], ['row_out'], {
      then_branch: graphAttr('then', [valueInfo('scaled', 'float32', [3])], [node('Cast', ['i'], ['fi'], { to: 1 }), node('Mul', ['row', 'fi'], ['scaled'])]),
      else_branch: graphAttr('else', [valueInfo('negated', 'float32', [3])], [node('Neg', ['row'], ['negated'])]),
    });
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 3])],
      outputs: [valueInfo('evens', 'float32', []), valueInfo('rows', 'float32', ['n', 3])],
      initializers: [tensor('zero', 'int64', [1], [0n]), tensor('two', 'int64', [], [2n]), tensor('none', 'float32', [], [0]), tensor('one', 'float32', [], [1]), tensor('yes', 'bool', [], [true])],
      nodes: [
        node('Shape', ['x'], ['shape']),
        node('Gather', ['shape', 'zero'], ['n1']),
        node('Squeeze', ['n1'], ['n']),
        node('Loop', ['n', 'yes', 'none'], ['evens', 'rows'], {
          body: body([valueInfo('cond_out', 'bool', []), valueInfo('count_out', 'float32', []), valueInfo('row_out', 'float32', [3])], [
            node('Identity', ['cond_in'], ['cond_out']),
            node('Gather', ['x', 'i'], ['row'], { axis: 0 }),
            node('Mod', ['i', 'two'], ['parity']),
            node('Constant', [], ['zero_scalar'], { value: tensorAttr(tensor('zero_scalar', 'int64', [], [0n])) }),
            node('Equal', ['parity', 'zero_scalar'], ['is_even']),
            node('Cast', ['is_even'], ['add'], { to: 1 }),
            node('Add', ['count_in', 'add'], ['count_out']),
            even,
          ], [valueInfo('count_in', 'float32', [])]),
        }, 'the_loop'),
      ],
    });
    const profiles = [{ x: { min: [1, 3], opt: [3, 3], max: [5, 3] } }];
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles }));
    using context = engine.createContext();
    for (const n of [1, 5, 2]) {
      const feeds = { x: floats([n, 3], n) };
      const result = await context.run(feeds);
      expect(result.rows!.dims).toEqual([n, 3]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });

  it('a trip count and a condition computed from the data: the loop ends on whichever comes first', async () => {
    const onnx = model({
      inputs: [valueInfo('m', 'int64', []), valueInfo('v', 'float32', [2]), valueInfo('limit', 'float32', [])],
      outputs: [valueInfo('out', 'float32', [2])],
      initializers: [tensor('yes', 'bool', [], [true]), tensor('step', 'float32', [2], [1.5, -0.25])],
      nodes: [
        node('Loop', ['m', 'yes', 'v'], ['out'], {
          body: body([valueInfo('more', 'bool', []), valueInfo('v_out', 'float32', [2])], [
            node('Add', ['v_in', 'step'], ['v_out']),
            node('ReduceMax', ['v_out'], ['top'], { keepdims: 0 }),
            node('Less', ['top', 'limit'], ['more']),
          ], [valueInfo('v_in', 'float32', [2])]),
        }, 'the_loop'),
      ],
    });
    // The trip count is a shape tensor in TensorRT (it sizes scan outputs), so an input giving it has profile values.
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [{ m: { values: { min: [0], opt: [5], max: [10] } } }] }));
    using context = engine.createContext();
    for (const [m, limit] of [[10, 4], [2, 100], [0, 1], [5, -10]] as const) {
      const feeds = { m: Tensor.from('int64', BigInt64Array.of(BigInt(m)), []), v: Tensor.from('float32', Float32Array.of(0.5, 2), [2]), limit: Tensor.from('float32', Float32Array.of(limit), []) };
      await expectLikeOrt(onnx, feeds, await context.run(feeds));
    }
  });

  const loopModel = (inputs: string[], bodyGraph: ReturnType<typeof graphAttr>, outputs: string[] = ['out'], initializers = [tensor('M', 'int64', [], [3n]), tensor('yes', 'bool', [], [true])]) =>
    model({
      inputs: [valueInfo('v', 'float32', [2])],
      outputs: outputs.map((o) => valueInfo(o, 'float32', [])),
      initializers,
      nodes: [node('Loop', inputs, outputs, { body: bodyGraph }, 'the_loop')],
    });
  const carried = [valueInfo('v_in', 'float32', [2])];
  const passOn = [node('Identity', ['cond_in'], ['cond_out']), node('Neg', ['v_in'], ['v_out'])];
  const passOnOutputs = [valueInfo('cond_out', 'bool', []), valueInfo('v_out', 'float32', [2])];

  it.each([
    ['neither a trip count nor a condition', loopModel(['', '', 'v'], body([valueInfo('c', 'bool', []), valueInfo('v_out', 'float32', [2])], [node('Neg', ['v_in'], ['v_out']), node('Constant', [], ['c'], { value: tensorAttr(tensor('c', 'bool', [], [true])) })], carried)),
      /Loop: the loop has neither a trip count nor a condition: TensorRT's loop needs a trip limit/],
    ['scan outputs without a trip count', loopModel(['', 'yes', 'v'], body([...passOnOutputs, valueInfo('each', 'float32', [2])], [...passOn, node('Identity', ['v_in'], ['each'])], carried), ['out', 'scan']),
      /scan outputs of a loop without a trip count are not modelled: TensorRT's parser gives them a dummy length of 1024/],
    ['a trip count of INT64_MAX (read as none) with scan outputs', loopModel(['M', 'yes', 'v'], body([...passOnOutputs, valueInfo('each', 'float32', [2])], [...passOn, node('Identity', ['v_in'], ['each'])], carried), ['out', 'scan'], [tensor('M', 'int64', [], [2n ** 63n - 1n]), tensor('yes', 'bool', [], [true])]),
      /scan outputs of a loop without a trip count are not modelled/],
    ['iteration_num read without a trip count', loopModel(['', 'yes', 'v'], body(passOnOutputs, [...passOn, node('Cast', ['i'], ['unused'], { to: 1 })], carried)),
      /the body reads iteration_num, which TensorRT's parser gives no value without a trip count/],
    ['cond read without a condition', loopModel(['M', '', 'v'], body(passOnOutputs, passOn, carried)),
      /the body reads cond, which TensorRT's parser gives no value without a condition input/],
    ['scan outputs of a loop its condition may end early', loopModel(['M', 'yes', 'v'], body([valueInfo('more', 'bool', []), valueInfo('v_out', 'float32', [2]), valueInfo('each', 'float32', [2])], [
      node('Neg', ['v_in'], ['v_out']), node('Identity', ['v_out'], ['each']), node('ReduceSum', ['v_out'], ['s'], { keepdims: 0 }), node('Less', ['s', 'zero'], ['more']),
      node('Constant', [], ['zero'], { value: tensorAttr(tensor('zero', 'float32', [], [0])) })], carried), ['out', 'scan']),
      /scan outputs of a loop that its condition may end before the trip count are not modelled: TensorRT's scan outputs keep the trip count's rows/],
    ['scan outputs over a trip count taken from the data', model({
      inputs: [valueInfo('v', 'float32', [2]), valueInfo('m', 'int64', [])],
      outputs: [valueInfo('out', 'float32', []), valueInfo('scan', 'float32', [])],
      initializers: [tensor('yes', 'bool', [], [true])],
      nodes: [node('Loop', ['m', 'yes', 'v'], ['out', 'scan'], { body: body([...passOnOutputs, valueInfo('each', 'float32', [2])], [...passOn, node('Identity', ['v_in'], ['each'])], carried) }, 'the_loop')],
    }), /scan outputs of a loop whose trip count is computed from the data are not modelled: their extent would depend on the data/],
    ['carried values the node does not give', loopModel(['M', 'yes'], body(passOnOutputs, passOn, carried)),
      /Loop: the body takes 1 carried values, the node gives 0/],
    ['a carried value that changes shape', loopModel(['M', 'yes', 'v'], body([valueInfo('cond_out', 'bool', []), valueInfo('v_out', 'float32', [4])], [node('Identity', ['cond_in'], ['cond_out']), node('Concat', ['v_in', 'v_in'], ['v_out'], { axis: 0 })], carried)),
      /carried value 0 is float32 \[2\] before the body and float32 \[4\] after it: TensorRT's recurrence keeps its type and shape/],
  ])('refused: %s', async (_, onnx, reason) => {
    const text = await buildError(onnx);
    expect(text).toMatch(/node 0 \(the_loop, Loop\)/);
    expect(text).toMatch(reason);
  });
});

describe('Scan', () => {
  const scanBody = (inputs: ReturnType<typeof valueInfo>[], outputs: ReturnType<typeof valueInfo>[], nodes: NodeProto[]) => graphAttr('body', outputs, nodes, inputs);
  const runningSum = scanBody([valueInfo('s_in', 'float32', [3]), valueInfo('x_t', 'float32', [3])], [valueInfo('s_out', 'float32', [3]), valueInfo('y', 'float32', [3])], [
    node('Add', ['s_in', 'x_t'], ['s_out']),
    node('Mul', ['s_out', 'x_t'], ['y']),
  ]);

  it('one engine scans sequences of 1 to 6 steps through one profile', async () => {
    const onnx = model({
      inputs: [valueInfo('s', 'float32', [3]), valueInfo('x', 'float32', ['t', 3])],
      outputs: [valueInfo('total', 'float32', [3]), valueInfo('ys', 'float32', ['t', 3])],
      nodes: [node('Scan', ['s', 'x'], ['total', 'ys'], { num_scan_inputs: 1, body: runningSum }, 'the_scan')],
      opset: 11,
    });
    const profiles = [{ x: { min: [1, 3], opt: [3, 3], max: [6, 3] } }];
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles }));
    using context = engine.createContext();
    for (const t of [1, 6, 4]) {
      const feeds = { s: floats([3], t), x: floats([t, 3], t + 1) };
      const result = await context.run(feeds);
      expect(result.ys!.dims).toEqual([t, 3]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });

  const scanModel = (attrs: Record<string, AttrValue>, inputs: ReturnType<typeof valueInfo>[], nodeInputs: string[], bodyGraph = runningSum, opset = 11) =>
    model({
      inputs,
      outputs: [valueInfo('total', 'float32', []), valueInfo('ys', 'float32', [])],
      nodes: [node('Scan', nodeInputs, ['total', 'ys'], { num_scan_inputs: 1, body: bodyGraph, ...attrs }, 'the_scan')],
      opset,
    });
  const sx = [valueInfo('s', 'float32', [3]), valueInfo('x', 'float32', [4, 3])];

  it.each([
    ['a negative scan axis', scanModel({ scan_input_axes: [-2] }, sx, ['s', 'x']),
      /negative scan axes are not modelled: TensorRT's parser counts them from 8 dimensions, not from the tensor's rank/],
    ['no state variable', scanModel({}, [valueInfo('x', 'float32', [4, 3])], ['x'], scanBody([valueInfo('x_t', 'float32', [3])], [valueInfo('y', 'float32', [3])], [node('Neg', ['x_t'], ['y'])])),
      /a Scan without state variables: TensorRT's parser needs at least one/],
    ['scan inputs of different lengths', model({
      inputs: [valueInfo('s', 'float32', [3]), valueInfo('x', 'float32', [4, 3]), valueInfo('z', 'float32', [5, 3])],
      outputs: [valueInfo('total', 'float32', [])],
      nodes: [node('Scan', ['s', 'x', 'z'], ['total'], {
        num_scan_inputs: 2,
        body: scanBody([valueInfo('s_in', 'float32', [3]), valueInfo('x_t', 'float32', [3]), valueInfo('z_t', 'float32', [3])], [valueInfo('s_out', 'float32', [3])], [node('Sum', ['s_in', 'x_t', 'z_t'], ['s_out'])]),
      }, 'the_scan')],
      opset: 11,
    }), /scan inputs have 4 and 5 elements along their axes: TensorRT's parser takes the trip count from the last one, which is not modelled/],
    ['a state that changes shape', scanModel({}, sx, ['s', 'x'], scanBody([valueInfo('s_in', 'float32', [3]), valueInfo('x_t', 'float32', [3])], [valueInfo('s_out', 'float32', [6]), valueInfo('y', 'float32', [3])], [node('Concat', ['s_in', 'x_t'], ['s_out'], { axis: 0 }), node('Neg', ['x_t'], ['y'])])),
      /state 0 is float32 \[3\] before the body and float32 \[6\] after it: TensorRT's recurrence keeps its type and shape/],
  ])('refused: %s', async (_, onnx, reason) => {
    const text = await buildError(onnx);
    expect(text).toMatch(/node 0 \(the_scan, Scan\)/);
    expect(text).toMatch(reason);
  });
});

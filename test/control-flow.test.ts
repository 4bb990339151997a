// If beyond one node (operators.test.ts has those): branches that read the graph's inputs and initializers, nested
// Ifs, dynamic shapes through one profile, a condition that is a weight (TensorRT's parser imports only the branch
// it selects), and what TensorRT refuses (branches whose outputs differ in type, rank or, for the simulator, extents)
// refused naming the node. Results are checked against onnxruntime-node (FP32_TOLERANCE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { graphAttr, model, node, tensor, tensorAttr, valueInfo } from './models/onnx-builder.js';
import type { Dim, NodeProto } from './models/onnx-builder.js';

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
    expect(await buildError(onnx)).toMatch(/node 0 \(the_if\/else_branch\/Unique_1, Unique\): No importer registered for op: Unique/);
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
    ['a Loop inside a branch', twoBranches([node('Loop', ['', 'c'], ['t'], { body: graphAttr('body', [], []) })], valueInfo('t', 'float32', [2, 3]), [node('Neg', ['x'], ['e'])], valueInfo('e', 'float32', [2, 3])),
      /Loop is imported by TensorRT's ONNX parser but not modelled by the simulator/],
  ])('%s', async (_, onnx, reason) => {
    const text = await buildError(onnx);
    expect(text).toMatch(/node 0 \((the_if, If|Loop_0, Loop)\)/); // a node inside a branch is named itself
    expect(text).toMatch(reason);
  });
});

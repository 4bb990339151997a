// CUDA graphs for a context's runs (opt-in: createContext({ cudaGraph: true })). enqueueV3 launches every layer's
// kernels from the CPU; captured once into a graph, a run launches them all in one cudaGraphLaunch, which on a GPU
// cuts the host time per run of a many-layer network from tens of microseconds to a few. A graph bakes in the input
// shapes and tensor addresses it was captured with, so it is replayed only while they repeat: the first run with
// new bindings is a plain enqueueV3 (as NVIDIA advises before capturing: it may allocate or synchronize), the
// second captures, and the following ones replay. A context whose enqueue cannot be captured (TensorRT refuses, or
// the capture is invalidated) goes back to plain enqueues for good.
#pragma once

#include "../backend/backend.h"
#include "states.h"

namespace trtn {

// In place of ctx.context->enqueue, on the thread that makes the context's TensorRT calls (the JS thread, or its
// launcher): queues the network on the context's stream, by graph when it can (never for data-dependent output
// shapes), and adds the time it took to ctx.enqueueTiming. False with the failure, as enqueue.
bool enqueueOrLaunchGraph(ContextState& ctx, Failure& failure);

// Drops the context's graph (bindings changed for good, or the context goes). Any thread with the device current.
void dropGraph(ContextState& ctx);

}  // namespace trtn

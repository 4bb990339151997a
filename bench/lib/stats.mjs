// Small statistics helpers for the benchmarks: nearest-rank percentiles over pooled samples, and the reading of
// perf_hooks event-loop-delay histograms.

/** Nearest-rank percentile (p in 0..100) of an ascending-sorted array. */
export function percentileSorted(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Concatenates Float64Arrays (the per-round latency samples of one cell) and sorts the result ascending. */
export function poolSorted(arrays) {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const out = new Float64Array(total);
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out.sort();
}

export function median(values) {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * One monitorEventLoopDelay histogram as numbers in ms. Node records the whole interval between two ticks of its
 * timer, so an idle loop reads ~1.0-1.1 ms at resolution 1 ms; `excess*` subtract the resolution (clamped at 0) and
 * are the actual delay caused by work on the loop.
 */
export function readEld(histogram, resolutionMs) {
  const ms = (ns) => ns / 1e6;
  const raw = {
    count: histogram.count,
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    max: ms(histogram.max),
  };
  const excess = (v) => Math.max(0, v - resolutionMs);
  return { ...raw, excessP50: excess(raw.p50), excessP99: excess(raw.p99), excessMax: excess(raw.max) };
}

export const round = (v, digits = 2) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);

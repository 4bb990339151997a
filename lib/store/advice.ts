// The one remedy every unusable-engine message ends with, so callers and operators always see what to do.
export const REBUILD_ADVICE = 'getOrBuild() quarantines it and builds a new one; or move it away and rebuild it yourself';

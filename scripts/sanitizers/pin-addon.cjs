// Loaded with --require into the main thread: keeps the addon mapped until exit. Worker threads unload the addons
// they loaded when they end, and LSan could not name the frames of an unloaded library.
require(require('node:path').resolve(__dirname, '../../build/Release/tensorrt_node.node'));

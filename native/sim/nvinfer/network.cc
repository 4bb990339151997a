#include "network.h"

#include <algorithm>

#include "shapes.h"

namespace trtsim {

class TensorHandle : public nvinfer1::ITensor {
 public:
  TensorHandle(NetworkImpl* network, int index) : mNetwork(network), mIndex(index) {}
  void setName(char const* name) noexcept override {
    if (name) def().name = name;
  }
  char const* getName() const noexcept override { return def().name.c_str(); }
  void setDimensions(nvinfer1::Dims const& dims) noexcept override { def().shape = fromDims(dims); }
  nvinfer1::Dims getDimensions() const noexcept override { return toDims(def().shape); }
  void setType(nvinfer1::DataType type) noexcept override { def().type = static_cast<DType>(type); }
  nvinfer1::DataType getType() const noexcept override { return static_cast<nvinfer1::DataType>(def().type); }
  bool isNetworkInput() const noexcept override { return def().isInput; }
  bool isNetworkOutput() const noexcept override { return def().isOutput; }
  // Decided by the whole network, as in TensorRT: reliable once the network is complete.
  bool isShapeTensor() const noexcept override {
    try {
      return shapeTensors(mNetwork->mGraph)[static_cast<size_t>(mIndex)];
    } catch (...) {
      return false;
    }
  }
  void setAllowedFormats(nvinfer1::TensorFormats formats) noexcept override { def().allowedFormats = formats; }
  // All formats unless set; a shape tensor takes only the linear one (the header's rule).
  nvinfer1::TensorFormats getAllowedFormats() const noexcept override {
    return isShapeTensor() ? 1u : def().allowedFormats;
  }
  int index() const { return mIndex; }

 private:
  TensorDef& def() const { return mNetwork->mGraph.tensors[mIndex]; }
  NetworkImpl* mNetwork;
  int mIndex;
};

NetworkImpl::NetworkImpl(nvinfer1::NetworkDefinitionCreationFlags flags) : mFlags(flags) {}
NetworkImpl::~NetworkImpl() noexcept = default;

int NetworkImpl::addTensor(TensorDef def) {
  if (mGraph.find(def.name) >= 0) throw OpError("tensor name '" + def.name + "' is used twice");
  mGraph.tensors.push_back(std::move(def));
  mHandles.emplace_back();
  return static_cast<int>(mGraph.tensors.size() - 1);
}

nvinfer1::ITensor* NetworkImpl::handle(int index) const {
  if (index < 0 || index >= static_cast<int>(mGraph.tensors.size())) return nullptr;
  if (mHandles.size() < mGraph.tensors.size()) mHandles.resize(mGraph.tensors.size());
  if (!mHandles[index]) mHandles[index] = std::make_unique<TensorHandle>(const_cast<NetworkImpl*>(this), index);
  return mHandles[index].get();
}

void NetworkImpl::addGraphInput(std::string const& name, DType type, Shape const& shape) {
  dtypeSize(type);  // throws for types the simulator cannot hold
  TensorDef def;
  def.name = name;
  def.type = type;
  def.shape = shape;
  def.isInput = true;
  mGraph.inputs.push_back(addTensor(std::move(def)));
}

void NetworkImpl::addConstant(std::string const& name, DType type, Shape const& shape, std::vector<uint8_t> data) {
  int64_t volume = shapeVolume(shape);
  if (volume < 0 || static_cast<size_t>(volume) * dtypeSize(type) != data.size()) {
    throw OpError("constant '" + name + "' has " + std::to_string(data.size()) + " bytes for shape " +
                  shapeToString(shape));
  }
  TensorDef def;
  def.name = name;
  def.type = type;
  def.shape = shape;
  def.constData = std::make_shared<std::vector<uint8_t>>(std::move(data));
  addTensor(std::move(def));
}

void NetworkImpl::addNode(std::string const& name, std::string const& opType, Attributes const& attrs,
                          std::vector<std::string> const& inputs, std::vector<std::string> const& outputs,
                          int64_t opset) {
  NodeDef node;
  node.name = name;
  node.opType = opType;
  node.attrs = attrs;
  node.op = createOp(opType, attrs, opset, static_cast<int>(outputs.size()));
  insertNode(std::move(node), inputs, outputs, true);
}

void NetworkImpl::addPluginNode(std::string const& name, PluginKey const& key, Attributes const& fields,
                                std::unique_ptr<Op> op, std::vector<std::string> const& inputs,
                                std::vector<std::string> const& outputs) {
  NodeDef node;
  node.name = name;
  node.plugin = key;
  node.opType = key.name;
  node.attrs = fields;
  node.op = std::move(op);
  insertNode(std::move(node), inputs, outputs, false);
}

void NetworkImpl::insertNode(NodeDef node, std::vector<std::string> const& inputs,
                             std::vector<std::string> const& outputs, bool foldable) {
  std::string const& opType = node.opType;
  int given = static_cast<int>(inputs.size());
  while (given > 0 && inputs[given - 1].empty()) --given;  // trailing omitted optional inputs
  if (given < node.op->minInputs() || given > node.op->maxInputs()) {
    throw OpError(opType + " takes " + std::to_string(node.op->minInputs()) + " to " +
                  std::to_string(node.op->maxInputs()) + " inputs, got " + std::to_string(given));
  }
  std::vector<TensorInfo> in;
  for (int i = 0; i < given; ++i) {
    if (inputs[i].empty()) {
      node.inputs.push_back(-1);
      in.push_back(omittedInfo());
      continue;
    }
    int idx = mGraph.find(inputs[i]);
    if (idx < 0) throw OpError("input '" + inputs[i] + "' is not a graph input, an initializer or an earlier output");
    node.inputs.push_back(idx);
    TensorDef const& t = mGraph.tensors[idx];
    in.push_back(TensorInfo{t.type, t.shape, t.constData});
  }
  std::vector<TensorInfo> out = node.op->inferOutputs(in);
  if (outputs.size() > out.size()) {
    throw OpError(opType + " produces " + std::to_string(out.size()) + " outputs, the node names " +
                  std::to_string(outputs.size()));
  }
  bool allConstant = foldable;  // TensorRT runs plugin layers, never folds them
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].empty()) continue;
    if (!out[k].constData) allConstant = false;
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].empty()) {
      node.outputs.push_back(-1);  // an omitted optional output keeps its position
      continue;
    }
    TensorDef def;
    def.name = outputs[k];
    def.type = out[k].type;
    def.shape = out[k].shape;
    if (allConstant) def.constData = out[k].constData;
    node.outputs.push_back(addTensor(std::move(def)));
  }
  if (!allConstant) mGraph.nodes.push_back(std::move(node));
}

void NetworkImpl::renameTensor(std::string const& from, std::string const& to) {
  int idx = mGraph.find(from);
  if (idx < 0) throw OpError("no tensor '" + from + "' to rename");
  if (mGraph.find(to) >= 0) throw OpError("tensor name '" + to + "' is used twice");
  mGraph.tensors[idx].name = to;
}

void NetworkImpl::markGraphOutput(std::string const& name) {
  int idx = mGraph.find(name);
  if (idx < 0) throw OpError("graph output '" + name + "' is not produced by any node");
  if (mGraph.tensors[idx].isInput) throw OpError("network input '" + name + "' cannot also be a network output");
  if (mGraph.tensors[idx].isOutput) return;
  mGraph.tensors[idx].isOutput = true;
  mGraph.outputs.push_back(idx);
}

int NetworkImpl::indexOf(nvinfer1::ITensor const& tensor) const {
  for (size_t i = 0; i < mHandles.size(); ++i) {
    if (mHandles[i].get() == &tensor) return static_cast<int>(i);
  }
  return -1;
}

void NetworkImpl::removeOutput(int index) {
  TensorDef& t = mGraph.tensors[index];
  t.isOutput = false;
  t.isShapeOutput = false;
  mGraph.outputs.erase(std::remove(mGraph.outputs.begin(), mGraph.outputs.end(), index), mGraph.outputs.end());
}

void NetworkImpl::unmarkOutput(nvinfer1::ITensor& tensor) noexcept {
  int idx = indexOf(tensor);
  if (idx >= 0 && mGraph.tensors[idx].isOutput && !mGraph.tensors[idx].isShapeOutput) removeOutput(idx);
}

// False for a tensor already marked as an output of either kind, as the header documents, and for a network input
// ("an error"). Its type and extents are checked by the builder, which reports why.
bool NetworkImpl::markOutputForShapes(nvinfer1::ITensor& tensor) noexcept {
  int idx = indexOf(tensor);
  if (idx < 0 || mGraph.tensors[idx].isOutput || mGraph.tensors[idx].isInput) return false;
  mGraph.tensors[idx].isOutput = true;
  mGraph.tensors[idx].isShapeOutput = true;
  mGraph.outputs.push_back(idx);
  return true;
}

bool NetworkImpl::unmarkOutputForShapes(nvinfer1::ITensor& tensor) noexcept {
  int idx = indexOf(tensor);
  if (idx < 0 || !mGraph.tensors[idx].isShapeOutput) return false;
  removeOutput(idx);
  return true;
}

int32_t NetworkImpl::getNbInputs() const noexcept { return static_cast<int32_t>(mGraph.inputs.size()); }

nvinfer1::ITensor* NetworkImpl::getInput(int32_t index) const noexcept {
  if (index < 0 || index >= getNbInputs()) return nullptr;
  return handle(mGraph.inputs[index]);
}

int32_t NetworkImpl::getNbOutputs() const noexcept { return static_cast<int32_t>(mGraph.outputs.size()); }

nvinfer1::ITensor* NetworkImpl::getOutput(int32_t index) const noexcept {
  if (index < 0 || index >= getNbOutputs()) return nullptr;
  return handle(mGraph.outputs[index]);
}

int32_t NetworkImpl::getNbLayers() const noexcept {
  try {
    mLayers.refresh(mGraph);
    return mLayers.size();
  } catch (...) {
    return 0;
  }
}

nvinfer1::ILayer* NetworkImpl::getLayer(int32_t index) const noexcept {
  try {
    mLayers.refresh(mGraph);
    return mLayers.at(index);
  } catch (...) {
    return nullptr;
  }
}

nvinfer1::ITensor* NetworkImpl::addInput(char const* name, nvinfer1::DataType type,
                                         nvinfer1::Dims const& dims) noexcept {
  try {
    addGraphInput(name ? name : "", static_cast<DType>(type), fromDims(dims));
    return handle(mGraph.inputs.back());
  } catch (...) {
    return nullptr;
  }
}

void NetworkImpl::markOutput(nvinfer1::ITensor& tensor) noexcept {
  try {
    markGraphOutput(tensor.getName());
  } catch (...) {
  }
}

bool NetworkImpl::getFlag(nvinfer1::NetworkDefinitionCreationFlag flag) const noexcept {
  return (mFlags & (1u << static_cast<uint32_t>(flag))) != 0;
}

void NetworkImpl::setName(char const* name) noexcept { mGraph.name = name ? name : ""; }
char const* NetworkImpl::getName() const noexcept { return mGraph.name.c_str(); }

}  // namespace trtsim

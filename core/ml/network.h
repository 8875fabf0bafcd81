#pragma once

// The one core/ml header that includes LibTorch: include it only from .cpp files under core/ml
// and from model plugins (DESIGN.md: LibTorch headers cost 20-40 s per translation unit).

#include <torch/nn/module.h>
#include <torch/types.h>

namespace millrace::ml {

/// A network the engine trains, evaluates and serves. It maps a float32 batch of shape
/// {batch, sampleShape...} to {batch, outputs}: class scores (logits, before softmax) for
/// classification, predicted values for regression. Architectures (architecture.h) build them;
/// the engine owns optimisers, loops, losses and saving.
///
/// ONNX export (onnxexport.h) reads the network as a chain of layers, so an exportable network's
/// forward() does exactly this: samples of shape {height, width} get a channel axis ({batch, 1,
/// height, width}; other inputs pass as they are), then every registered layer is applied in
/// registration order, Sequential containers entered in their order (depth first). Such a
/// network holds no parameters of its own, only in its layers. The export runs that chain in
/// LibTorch on a probe batch and refuses a network whose forward() gives something else.
class Network : public torch::nn::Module
{
public:
    virtual torch::Tensor forward(torch::Tensor input) = 0;
};

} // namespace millrace::ml

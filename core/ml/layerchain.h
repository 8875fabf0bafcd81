#pragma once

// The network as the chain of layers its forward() applies (network.h), for the engine's .cpp
// files only (includes LibTorch): the ONNX export and the inference plan both read it.

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace millrace::ml {

/// One layer of the chain the network's forward() applies.
struct Layer
{
    std::string path; ///< module path, e.g. "features.0"
    std::shared_ptr<torch::nn::Module> module;

    /// The layer's type without LibTorch's "Impl" suffix, e.g. "torch::nn::Conv2d".
    std::string typeName() const;
};

/// The layers of `module` in the order forward() applies them (network.h): children in
/// registration order, Sequential containers entered depth first.
std::vector<Layer> layerChain(torch::nn::Module &module);

/// The chain's input for a batch of samples of `sampleShape`: {height, width} images get their
/// one channel axis ({batch, 1, height, width}), as image networks' forward() gives them.
/// `image` says whether the architecture takes images.
std::vector<std::int64_t> chainInputShape(bool image, std::int64_t batch,
                                          const std::vector<std::int64_t> &sampleShape);

/// A batch norm in evaluation mode as one affine map per feature, y = x * scale + shift (float64).
struct BatchNormAffine
{
    torch::Tensor scale;
    torch::Tensor shift;
};

/// The map a batch norm with these parameters (gamma and beta as given, or ones and zeros for a
/// norm without them) and running statistics applies in evaluation mode.
BatchNormAffine batchNormAffine(const torch::Tensor &gamma, const torch::Tensor &beta,
                                const torch::Tensor &runningMean, const torch::Tensor &runningVar,
                                double epsilon);

/// Folds `norm`, applied right after a convolution or linear layer, into that layer's `weight`
/// (output features first) and `bias` (undefined when it has none), both float64; the usual
/// inference-time rewrite.
void foldBatchNorm(torch::Tensor &weight, torch::Tensor &bias, const BatchNormAffine &norm);

} // namespace millrace::ml

#pragma once

// Model's insides, for the engine's .cpp files only (includes LibTorch through network.h).

#include "core/ml/model.h"
#include "core/ml/network.h"

namespace millrace::ml {

struct Model::State
{
    const Architecture *architecture = nullptr;
    Hyperparameters hyperparameters; ///< resolved against the architecture's space
    ModelSignature signature;
    std::string preprocessing;
    std::shared_ptr<Network> network; ///< kept on the CPU between uses
};

/// The samples [first, first + count) of `data` as a float tensor {count, sampleShape...}
/// sharing the dataset's memory (valid while `data` lives and is not changed).
torch::Tensor featureView(const Dataset &data, std::size_t first, std::size_t count);

} // namespace millrace::ml

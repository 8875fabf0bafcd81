#pragma once

#include "core/ml/hyperparameters.h"
#include "core/ml/mlresult.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace millrace::ml {

class Network; // network.h, which includes LibTorch

/// What samples an architecture takes.
enum class InputKind {
    Image,  ///< sampleShape {height, width} or {channels, height, width}
    Tabular ///< sampleShape {features}
};

/// A trainable model family (an image CNN, a tabular MLP), as a model plugin provides it. It
/// declares its hyperparameters and builds fresh networks; everything else (optimiser, loops,
/// evaluation, saving) is the engine's. The interface names torch types only by declaration,
/// so including it costs nothing.
class Architecture
{
public:
    virtual ~Architecture() = default;

    /// Stable id stored in model artifacts, e.g. "image-cnn".
    virtual std::string id() const = 0;
    /// Name shown to users, e.g. "Image CNN".
    virtual std::string displayName() const = 0;
    virtual InputKind inputKind() const = 0;
    /// The hyperparameters of the network itself (widths, dropout, ...), with defaults.
    virtual SearchSpace hyperparameters() const = 0;
    /// Builds an untrained network for samples of `sampleShape` and `outputs` outputs, from
    /// hyperparameters resolved against hyperparameters(). Fails, saying why, on a sample
    /// shape the architecture cannot take.
    virtual Result<std::shared_ptr<Network>> create(const Hyperparameters &hyperparameters,
                                                    const std::vector<std::int64_t> &sampleShape,
                                                    std::int64_t outputs) const = 0;
};

} // namespace millrace::ml

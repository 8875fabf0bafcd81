#pragma once

#include "core/ml/mlresult.h"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace millrace::ml {

class Model;

/// A trained network prepared for answering requests (local serving, the Kafka predictor): the
/// chain of layers its forward() applies (network.h), rewritten the way inference runtimes do.
/// Batch norms are folded into the convolution or linear layer before them, dropout and
/// identities are left out, activations run in place, and max pooling whose window is its
/// stride runs in one pass instead of LibTorch's kernel, which also works out indices nobody
/// reads. The
/// plan holds its own copies of the weights and never changes them, so any number of threads
/// run it at once, without a network copy each.
class InferencePlan
{
public:
    /// Prepares `model`'s network. Fails, saying why, when the network is not a chain of layers
    /// the plan knows (callers then use Model::predict), or when the plan's outputs on a probe
    /// batch differ from forward()'s by more than float rounding.
    static Result<std::shared_ptr<const InferencePlan>> compile(const Model &model);
    ~InferencePlan();

    /// The outputs for samples laid out one after another (the model's sample shape each),
    /// `outputs()` values per sample. Fails when `features` is not a whole number of samples.
    /// Thread-safe.
    Result<std::vector<float>> run(std::span<const float> features) const;

    /// Values per sample in the output.
    std::size_t outputs() const;
    /// The steps, one line each (e.g. "features.0 Conv2d + features.1 BatchNorm2d folded"),
    /// for logs and tests.
    const std::vector<std::string> &description() const;

private:
    InferencePlan();
    struct Steps;
    std::unique_ptr<Steps> m_steps;
};

} // namespace millrace::ml

#pragma once

#include "core/ml/architecture.h"

namespace millrace::models {

/// A convolutional network for images (Fashion-MNIST and the like): `conv_layers` blocks of
/// 3x3 convolution, optional batch norm, ReLU and 2x2 max pooling, with `base_width` channels
/// doubling per block, then a dropout-guarded hidden layer and the output layer.
class CnnArchitecture : public ml::Architecture
{
public:
    std::string id() const override { return "image-cnn"; }
    std::string displayName() const override { return "Image CNN"; }
    ml::InputKind inputKind() const override { return ml::InputKind::Image; }
    ml::SearchSpace hyperparameters() const override;
    ml::Result<std::shared_ptr<ml::Network>> create(const ml::Hyperparameters &hyperparameters,
                                                    const std::vector<std::int64_t> &sampleShape,
                                                    std::int64_t outputs) const override;
};

} // namespace millrace::models

#include "plugins/imagecnn/cnnarchitecture.h"

#include "core/ml/network.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

namespace millrace::models {

namespace {

using Kind = ml::HyperparameterSpec::Kind;

class CnnNetwork : public ml::Network
{
public:
    CnnNetwork(const ml::Hyperparameters &values, std::int64_t channels, std::int64_t height,
               std::int64_t width, std::int64_t outputs)
    {
        const auto layers = ml::hyperValue<std::int64_t>(values, "conv_layers");
        const auto baseWidth = ml::hyperValue<std::int64_t>(values, "base_width");
        const bool batchNorm = ml::hyperValue<bool>(values, "batch_norm");
        const double dropout = ml::hyperValue<double>(values, "dropout");
        const auto hidden = ml::hyperValue<std::int64_t>(values, "hidden_units");

        torch::nn::Sequential features;
        std::int64_t in = channels;
        for (std::int64_t layer = 0; layer < layers; ++layer) {
            const std::int64_t out = baseWidth << layer;
            features->push_back(torch::nn::Conv2d(
                torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(!batchNorm)));
            if (batchNorm)
                features->push_back(torch::nn::BatchNorm2d(out));
            features->push_back(torch::nn::ReLU());
            // Pool while there is something left to halve.
            if (height >= 2 && width >= 2) {
                features->push_back(torch::nn::MaxPool2d(2));
                height /= 2;
                width /= 2;
            }
            in = out;
        }
        m_features = register_module("features", features);
        m_classifier = register_module(
            "classifier",
            torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Dropout(dropout),
                                  torch::nn::Linear(in * height * width, hidden), torch::nn::ReLU(),
                                  torch::nn::Dropout(dropout), torch::nn::Linear(hidden, outputs)));
    }

    torch::Tensor forward(torch::Tensor input) override
    {
        // {batch, height, width} images have one channel.
        if (input.dim() == 3)
            input = input.unsqueeze(1);
        return m_classifier->forward(m_features->forward(input));
    }

private:
    torch::nn::Sequential m_features{nullptr};
    torch::nn::Sequential m_classifier{nullptr};
};

} // namespace

ml::SearchSpace CnnArchitecture::hyperparameters() const
{
    return {
        {"conv_layers",
         Kind::Integer,
         1,
         4,
         false,
         {},
         std::int64_t(2),
         "convolution blocks, each halving the image"},
        {"base_width",
         Kind::Integer,
         4,
         128,
         true,
         {},
         std::int64_t(32),
         "channels of the first block; each next block doubles them"},
        {"batch_norm",
         Kind::Boolean,
         0,
         0,
         false,
         {},
         true,
         "normalise each convolution's output over the batch"},
        {"dropout",
         Kind::Real,
         0,
         0.8,
         false,
         {},
         0.25,
         "share of hidden activations dropped while training"},
        {"hidden_units",
         Kind::Integer,
         8,
         1024,
         true,
         {},
         std::int64_t(128),
         "width of the fully connected layer before the output"},
    };
}

ml::Result<std::shared_ptr<ml::Network>>
CnnArchitecture::create(const ml::Hyperparameters &hyperparameters,
                        const std::vector<std::int64_t> &sampleShape, std::int64_t outputs) const
{
    if (sampleShape.size() != 2 && sampleShape.size() != 3)
        return ml::fail("the image CNN takes images ({height, width} or {channels, height, "
                        "width} samples), not samples of "
                        + std::to_string(sampleShape.size()) + " dimensions");
    for (std::int64_t extent : sampleShape) {
        if (extent < 1)
            return ml::fail("the image CNN needs samples of a positive size");
    }
    if (outputs < 1)
        return ml::fail("the image CNN needs at least one output");
    auto resolved = ml::resolveHyperparameters(this->hyperparameters(), hyperparameters);
    if (!resolved)
        return resolved.error();
    const bool withChannels = sampleShape.size() == 3;
    return std::shared_ptr<ml::Network>(std::make_shared<CnnNetwork>(
        *resolved, withChannels ? sampleShape[0] : 1, sampleShape[withChannels ? 1 : 0],
        sampleShape[withChannels ? 2 : 1], outputs));
}

} // namespace millrace::models

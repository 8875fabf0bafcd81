#include "plugins/tabularmlp/mlparchitecture.h"

#include "core/ml/network.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

namespace millrace::models {

namespace {

using Kind = ml::HyperparameterSpec::Kind;

class MlpNetwork : public ml::Network
{
public:
    MlpNetwork(const ml::Hyperparameters &values, std::int64_t features, std::int64_t outputs)
    {
        const auto layers = ml::hyperValue<std::int64_t>(values, "hidden_layers");
        const auto hidden = ml::hyperValue<std::int64_t>(values, "hidden_units");
        const bool batchNorm = ml::hyperValue<bool>(values, "batch_norm");
        const double dropout = ml::hyperValue<double>(values, "dropout");
        const auto activation = ml::hyperValue<std::string>(values, "activation");

        torch::nn::Sequential layersSequence;
        std::int64_t in = features;
        for (std::int64_t layer = 0; layer < layers; ++layer) {
            layersSequence->push_back(
                torch::nn::Linear(torch::nn::LinearOptions(in, hidden).bias(!batchNorm)));
            if (batchNorm)
                layersSequence->push_back(torch::nn::BatchNorm1d(hidden));
            if (activation == "tanh")
                layersSequence->push_back(torch::nn::Tanh());
            else if (activation == "gelu")
                layersSequence->push_back(torch::nn::GELU());
            else
                layersSequence->push_back(torch::nn::ReLU());
            if (dropout > 0)
                layersSequence->push_back(torch::nn::Dropout(dropout));
            in = hidden;
        }
        layersSequence->push_back(torch::nn::Linear(in, outputs));
        m_layers = register_module("layers", layersSequence);
    }

    torch::Tensor forward(torch::Tensor input) override { return m_layers->forward(input); }

private:
    torch::nn::Sequential m_layers{nullptr};
};

} // namespace

ml::SearchSpace MlpArchitecture::hyperparameters() const
{
    return {
        {"hidden_layers", Kind::Integer, 1, 6, false, {}, std::int64_t(2), "hidden layers"},
        {"hidden_units",
         Kind::Integer,
         4,
         2048,
         true,
         {},
         std::int64_t(128),
         "width of each hidden layer"},
        {"activation",
         Kind::Choice,
         0,
         0,
         false,
         {"relu", "tanh", "gelu"},
         std::string("relu"),
         "the non-linearity after each hidden layer"},
        {"batch_norm",
         Kind::Boolean,
         0,
         0,
         false,
         {},
         false,
         "normalise each hidden layer's output over the batch"},
        {"dropout",
         Kind::Real,
         0,
         0.8,
         false,
         {},
         0.1,
         "share of hidden activations dropped while training"},
    };
}

ml::Result<std::shared_ptr<ml::Network>>
MlpArchitecture::create(const ml::Hyperparameters &hyperparameters,
                        const std::vector<std::int64_t> &sampleShape, std::int64_t outputs) const
{
    if (sampleShape.size() != 1 || sampleShape[0] < 1)
        return ml::fail("the tabular MLP takes rows of features ({features} samples)");
    if (outputs < 1)
        return ml::fail("the tabular MLP needs at least one output");
    auto resolved = ml::resolveHyperparameters(this->hyperparameters(), hyperparameters);
    if (!resolved)
        return resolved.error();
    return std::shared_ptr<ml::Network>(
        std::make_shared<MlpNetwork>(*resolved, sampleShape[0], outputs));
}

} // namespace millrace::models

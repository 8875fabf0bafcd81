#pragma once

// Models the core/ml tests build: small versions of the shipped architectures, and networks
// the shipped plugins never build (a layer chain with a head of the test's choice, and one
// whose forward() is not its chain), for what the ONNX export and the inference plan refuse.
// Includes LibTorch: for tests of the engine only.

#include "core/ml/architecture.h"
#include "core/ml/model.h"
#include "core/ml/network.h"
#include "plugins/imagecnn/cnnarchitecture.h"
#include "plugins/tabularmlp/mlparchitecture.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <QtGlobal>

#include <functional>
#include <memory>
#include <string>

namespace millrace::ml::testing {

inline ModelSignature imageSignature()
{
    ModelSignature signature;
    signature.sampleShape = {28, 28};
    signature.outputs = 10;
    for (int i = 0; i < 10; ++i)
        signature.classNames.push_back("class " + std::to_string(i));
    return signature;
}

inline Model smallCnn(std::int64_t convLayers, bool batchNorm)
{
    static const models::CnnArchitecture cnn;
    auto model = Model::create(cnn,
                               {{"conv_layers", convLayers},
                                {"base_width", std::int64_t(4)},
                                {"hidden_units", std::int64_t(8)},
                                {"batch_norm", batchNorm}},
                               imageSignature(), 5);
    if (!model)
        qFatal("%s", model.errorMessage().c_str());
    return *model;
}

inline const Architecture *lookup(const std::string &id)
{
    static const models::CnnArchitecture cnn;
    static const models::MlpArchitecture mlp;
    if (id == cnn.id())
        return &cnn;
    return id == mlp.id() ? &mlp : nullptr;
}

// Networks the shipped plugins never build, for what the export refuses.
class ChainNetwork : public Network
{
public:
    explicit ChainNetwork(torch::nn::Sequential head)
    {
        m_body = register_module("body", torch::nn::Linear(3, 4));
        m_head = register_module("classifier", head);
    }
    torch::Tensor forward(torch::Tensor input) override
    {
        return m_head->forward(m_body->forward(input));
    }

protected:
    torch::nn::Linear m_body{nullptr};
    torch::nn::Sequential m_head{nullptr};
};

class ResidualNetwork : public ChainNetwork
{
public:
    ResidualNetwork() : ChainNetwork(torch::nn::Sequential(torch::nn::Linear(4, 3))) {}
    torch::Tensor forward(torch::Tensor input) override
    {
        return m_head->forward(m_body->forward(input)) + input; // a skip connection
    }
};

class TestArchitecture : public Architecture
{
public:
    explicit TestArchitecture(std::function<std::shared_ptr<Network>()> make)
        : m_make(std::move(make))
    {
    }
    std::string id() const override { return "test-net"; }
    std::string displayName() const override { return "Test network"; }
    InputKind inputKind() const override { return InputKind::Tabular; }
    SearchSpace hyperparameters() const override { return {}; }
    Result<std::shared_ptr<Network>>
    create(const Hyperparameters &, const std::vector<std::int64_t> &, std::int64_t) const override
    {
        return m_make();
    }

private:
    std::function<std::shared_ptr<Network>()> m_make;
};

inline ModelSignature tableSignature(std::int64_t features, std::int64_t outputs)
{
    ModelSignature signature;
    signature.sampleShape = {features};
    signature.outputs = outputs;
    return signature;
}

} // namespace millrace::ml::testing

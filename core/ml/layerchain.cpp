#include "core/ml/layerchain.h"

#include <torch/nn/modules/container/sequential.h>
#include <torch/torch.h>

namespace millrace::ml {

namespace {

void collectLayers(torch::nn::Module &module, const std::string &prefix, std::vector<Layer> &out)
{
    for (const auto &child : module.named_children()) {
        const std::string path = prefix.empty() ? child.key() : prefix + "." + child.key();
        if (dynamic_cast<torch::nn::SequentialImpl *>(child.value().get()))
            collectLayers(*child.value(), path, out);
        else
            out.push_back({path, child.value()});
    }
}

} // namespace

std::string Layer::typeName() const
{
    std::string name = module->name();
    if (name.size() > 4 && name.ends_with("Impl"))
        name.resize(name.size() - 4);
    return name;
}

std::vector<Layer> layerChain(torch::nn::Module &module)
{
    std::vector<Layer> layers;
    collectLayers(module, "", layers);
    return layers;
}

std::vector<std::int64_t> chainInputShape(bool image, std::int64_t batch,
                                          const std::vector<std::int64_t> &sampleShape)
{
    std::vector<std::int64_t> shape{batch};
    if (image && sampleShape.size() == 2)
        shape.push_back(1);
    shape.insert(shape.end(), sampleShape.begin(), sampleShape.end());
    return shape;
}

BatchNormAffine batchNormAffine(const torch::Tensor &gamma, const torch::Tensor &beta,
                                const torch::Tensor &runningMean, const torch::Tensor &runningVar,
                                double epsilon)
{
    BatchNormAffine norm;
    norm.scale = gamma / torch::sqrt(runningVar + epsilon);
    norm.shift = beta - runningMean * norm.scale;
    return norm;
}

void foldBatchNorm(torch::Tensor &weight, torch::Tensor &bias, const BatchNormAffine &norm)
{
    // (x * W + b) * scale + shift = x * (W * scale) + (b * scale + shift).
    std::vector<std::int64_t> broadcast(std::size_t(weight.dim()), 1);
    broadcast[0] = norm.scale.size(0);
    weight = weight * norm.scale.reshape(broadcast);
    bias = bias.defined() ? bias * norm.scale + norm.shift : norm.shift.clone();
}

} // namespace millrace::ml

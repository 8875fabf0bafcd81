#include "core/ml/onnxexport.h"

#include "core/ml/fileio.h"
#include "core/ml/layerchain.h"
#include "core/ml/modelstate.h"
#include "core/ml/split.h"
#include "core/ml/tabular.h"

#include <nlohmann/json.hpp>
#include <onnx/checker.h>
#include <onnx/common/version.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MILLRACE_VERSION
#define MILLRACE_VERSION "unknown"
#endif

namespace millrace::ml {

namespace {

namespace fs = std::filesystem;

// ONNX keeps raw tensor data little-endian; the bytes are copied as they lie in memory.
static_assert(std::endian::native == std::endian::little);

constexpr const char *kInputName = "input";
constexpr const char *kBatchDimension = "batch";
constexpr const char *kRequirementsFile = "requirements.txt";
constexpr const char *kCondaFile = "conda.yaml";
constexpr const char *kPythonEnvFile = "python_env.yaml";
constexpr const char *kModelFile = "model.onnx";
constexpr const char *kMlmodelFile = "MLmodel";
// The files an export writes, in the order it writes them: MLmodel last, so a folder whose
// MLmodel is there has everything it names.
constexpr std::array<const char *, 5> kExportFiles = {kRequirementsFile, kCondaFile, kPythonEnvFile,
                                                      kModelFile, kMlmodelFile};
// The MLflow release whose MLmodel layout (flavors onnx and python_function, tensor
// signature) the MLmodel file follows; its mlflow.onnx loads the folder.
constexpr const char *kMlflowFormatVersion = "3.17.2";
// The interpreter the environment files name: Debian 12's python3, where the checks ran.
constexpr const char *kPythonVersion = "3.11";
constexpr const char *kCancelled = "ONNX export cancelled: nothing was written";

/// An exception's message; LibTorch's without the C++ backtrace it appends.
std::string messageOf(const std::exception &exception)
{
    if (const auto *torchError = dynamic_cast<const c10::Error *>(&exception))
        return torchError->what_without_backtrace();
    return exception.what();
}

std::string shortTypeName(const std::string &typeName)
{
    const auto colons = typeName.rfind("::");
    return colons == std::string::npos ? typeName : typeName.substr(colons + 2);
}

std::string shapeText(const std::vector<std::int64_t> &shape)
{
    std::string text = "{";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "")
                + (shape[i] < 0 ? std::string(kBatchDimension) : std::to_string(shape[i]));
    return text + "}";
}

Error noMapping(const Layer &layer, const std::string &detail = {})
{
    return fail("cannot export to ONNX: layer '" + layer.path + "' (" + layer.typeName()
                + ") has no ONNX mapping" + (detail.empty() ? "" : " " + detail));
}

std::vector<std::int64_t> toVector(torch::IntArrayRef values)
{
    return {values.begin(), values.end()};
}

/// Builds the graph node by node, keeping the name of the tensor the chain has reached.
class GraphBuilder
{
public:
    explicit GraphBuilder(onnx::GraphProto &graph) : m_graph(graph) {}

    const std::string &current() const { return m_current; }
    void setCurrent(std::string name) { m_current = std::move(name); }

    /// Adds float32 weights under `name` (converted from whatever LibTorch holds).
    std::string addInitializer(const std::string &name, const torch::Tensor &values)
    {
        const torch::Tensor data = values.detach().to(torch::kCPU, torch::kFloat32).contiguous();
        onnx::TensorProto *tensor = m_graph.add_initializer();
        tensor->set_name(name);
        tensor->set_data_type(onnx::TensorProto::FLOAT);
        for (std::int64_t extent : data.sizes())
            tensor->add_dims(extent);
        tensor->set_raw_data(data.data_ptr<float>(), std::size_t(data.numel()) * sizeof(float));
        return name;
    }

    std::string addInt64Initializer(const std::string &name,
                                    const std::vector<std::int64_t> &values)
    {
        onnx::TensorProto *tensor = m_graph.add_initializer();
        tensor->set_name(name);
        tensor->set_data_type(onnx::TensorProto::INT64);
        tensor->add_dims(std::int64_t(values.size()));
        tensor->set_raw_data(values.data(), values.size() * sizeof(std::int64_t));
        return name;
    }

    /// Appends a node that reads `inputs` (the current tensor first, unless given) and whose
    /// output, named `name`, becomes the current tensor.
    onnx::NodeProto &addNode(const std::string &opType, const std::string &name,
                             const std::vector<std::string> &inputs)
    {
        onnx::NodeProto *node = m_graph.add_node();
        node->set_op_type(opType);
        node->set_name(name);
        for (const std::string &input : inputs)
            node->add_input(input);
        node->add_output(name);
        m_current = name;
        return *node;
    }

    static void setInts(onnx::NodeProto &node, const std::string &name,
                        const std::vector<std::int64_t> &values)
    {
        onnx::AttributeProto *attribute = node.add_attribute();
        attribute->set_name(name);
        attribute->set_type(onnx::AttributeProto::INTS);
        for (std::int64_t value : values)
            attribute->add_ints(value);
    }
    static void setInt(onnx::NodeProto &node, const std::string &name, std::int64_t value)
    {
        onnx::AttributeProto *attribute = node.add_attribute();
        attribute->set_name(name);
        attribute->set_type(onnx::AttributeProto::INT);
        attribute->set_i(value);
    }
    static void setFloat(onnx::NodeProto &node, const std::string &name, float value)
    {
        onnx::AttributeProto *attribute = node.add_attribute();
        attribute->set_name(name);
        attribute->set_type(onnx::AttributeProto::FLOAT);
        attribute->set_f(value);
    }

private:
    onnx::GraphProto &m_graph;
    std::string m_current = kInputName;
};

/// A Conv2d or Linear not yet emitted, so that a BatchNorm right after it can be folded into
/// its weights (the usual inference-time rewrite; it also spares runtimes a node).
struct PendingAffine
{
    std::string path;
    bool convolution = false;
    torch::Tensor weight; ///< float64 copies, so folding adds no rounding of its own
    torch::Tensor bias;   ///< undefined when the layer has none and nothing was folded in
    std::vector<std::int64_t> kernel, strides, pads, dilations;
    std::int64_t groups = 1;
    std::vector<std::string> folded; ///< paths of the batch norms folded in

    void emit(GraphBuilder &graph) const
    {
        const std::string suffix = folded.empty() ? "" : ".folded";
        std::vector<std::string> inputs{graph.current(),
                                        graph.addInitializer(path + ".weight" + suffix, weight)};
        if (bias.defined())
            inputs.push_back(graph.addInitializer(path + ".bias" + suffix, bias));
        onnx::NodeProto &node = graph.addNode(convolution ? "Conv" : "Gemm", path, inputs);
        if (!folded.empty()) {
            std::string note = "with batch norm";
            for (const std::string &fold : folded)
                note += " " + fold;
            node.set_doc_string(note + " folded into its weights");
        }
        if (convolution) {
            GraphBuilder::setInts(node, "kernel_shape", kernel);
            GraphBuilder::setInts(node, "strides", strides);
            GraphBuilder::setInts(node, "pads", pads);
            GraphBuilder::setInts(node, "dilations", dilations);
            GraphBuilder::setInt(node, "group", groups);
        } else {
            GraphBuilder::setInt(node, "transB", 1);
        }
    }
};

/// Turns the chain of layers into nodes and, alongside, runs the same chain in LibTorch on a
/// probe batch, so the caller can check the chain is what forward() computes.
class LayerMapper
{
public:
    LayerMapper(GraphBuilder &graph, torch::Tensor probe) : m_graph(graph), m_probe(probe) {}

    const torch::Tensor &probe() const { return m_probe; }

    Result<void> map(const Layer &layer)
    {
        torch::nn::Module *module = layer.module.get();
        if (auto *conv = dynamic_cast<torch::nn::Conv2dImpl *>(module))
            return mapConv(layer, *conv);
        if (auto *linear = dynamic_cast<torch::nn::LinearImpl *>(module))
            return mapLinear(layer, *linear);
        if (auto *norm = dynamic_cast<torch::nn::BatchNorm2dImpl *>(module))
            return mapBatchNorm(layer, norm->options, norm->weight, norm->bias, norm->running_mean,
                                norm->running_var,
                                [&](const torch::Tensor &x) { return norm->forward(x); });
        if (auto *norm = dynamic_cast<torch::nn::BatchNorm1dImpl *>(module))
            return mapBatchNorm(layer, norm->options, norm->weight, norm->bias, norm->running_mean,
                                norm->running_var,
                                [&](const torch::Tensor &x) { return norm->forward(x); });
        if (dynamic_cast<torch::nn::DropoutImpl *>(module)
            || dynamic_cast<torch::nn::Dropout2dImpl *>(module)
            || dynamic_cast<torch::nn::Dropout3dImpl *>(module)
            || dynamic_cast<torch::nn::AlphaDropoutImpl *>(module)
            || dynamic_cast<torch::nn::FeatureAlphaDropoutImpl *>(module)
            || dynamic_cast<torch::nn::IdentityImpl *>(module)) {
            // The identity in evaluation mode: nothing to emit, and the probe passes unchanged.
            return {};
        }
        // Everything below is elementwise or reshaping: no batch norm can fold across it.
        if (auto *relu = dynamic_cast<torch::nn::ReLUImpl *>(module)) {
            flush();
            m_graph.addNode("Relu", layer.path, {m_graph.current()});
            m_probe = relu->forward(m_probe);
            return {};
        }
        if (auto *leaky = dynamic_cast<torch::nn::LeakyReLUImpl *>(module)) {
            flush();
            auto &node = m_graph.addNode("LeakyRelu", layer.path, {m_graph.current()});
            GraphBuilder::setFloat(node, "alpha", float(leaky->options.negative_slope()));
            m_probe = leaky->forward(m_probe);
            return {};
        }
        if (auto *tanh = dynamic_cast<torch::nn::TanhImpl *>(module)) {
            flush();
            m_graph.addNode("Tanh", layer.path, {m_graph.current()});
            m_probe = tanh->forward(m_probe);
            return {};
        }
        if (auto *sigmoid = dynamic_cast<torch::nn::SigmoidImpl *>(module)) {
            flush();
            m_graph.addNode("Sigmoid", layer.path, {m_graph.current()});
            m_probe = sigmoid->forward(m_probe);
            return {};
        }
        if (auto *gelu = dynamic_cast<torch::nn::GELUImpl *>(module))
            return mapGelu(layer, *gelu);
        if (auto *pool = dynamic_cast<torch::nn::MaxPool2dImpl *>(module))
            return mapMaxPool(layer, *pool);
        if (auto *flatten = dynamic_cast<torch::nn::FlattenImpl *>(module))
            return mapFlatten(layer, *flatten);
        return noMapping(layer);
    }

    /// Emits a Conv2d or Linear still held back for folding.
    void flush()
    {
        if (m_pending) {
            m_pending->emit(m_graph);
            m_pending.reset();
        }
    }

private:
    Result<void> mapConv(const Layer &layer, torch::nn::Conv2dImpl &conv)
    {
        const auto &options = conv.options;
        if (!c10::holds_alternative<torch::enumtype::kZeros>(options.padding_mode()))
            return noMapping(layer, "with padding_mode "
                                        + torch::enumtype::get_enum_name(options.padding_mode()));
        const auto kernel = toVector(*options.kernel_size());
        const auto dilations = toVector(*options.dilation());
        std::vector<std::int64_t> pads;
        if (const auto *explicitPadding =
                c10::get_if<torch::ExpandingArray<2>>(&options.padding())) {
            const auto padding = toVector(**explicitPadding);
            pads = {padding[0], padding[1], padding[0], padding[1]};
        } else if (c10::holds_alternative<torch::enumtype::kValid>(options.padding())) {
            pads = {0, 0, 0, 0};
        } else {
            // padding "same" (stride 1): LibTorch puts the odd pixel at the end.
            pads.resize(4);
            for (std::size_t axis = 0; axis < 2; ++axis) {
                const std::int64_t total = dilations[axis] * (kernel[axis] - 1);
                pads[axis] = total / 2;
                pads[axis + 2] = total - total / 2;
            }
        }
        flush();
        PendingAffine pending;
        pending.path = layer.path;
        pending.convolution = true;
        pending.weight = conv.weight.detach().to(torch::kFloat64).clone();
        if (conv.bias.defined())
            pending.bias = conv.bias.detach().to(torch::kFloat64).clone();
        pending.kernel = kernel;
        pending.strides = toVector(*options.stride());
        pending.pads = pads;
        pending.dilations = dilations;
        pending.groups = options.groups();
        m_pending = std::move(pending);
        m_probe = conv.forward(m_probe);
        return {};
    }

    Result<void> mapLinear(const Layer &layer, torch::nn::LinearImpl &linear)
    {
        if (m_probe.dim() != 2)
            return noMapping(layer, "for inputs of " + std::to_string(m_probe.dim())
                                        + " dimensions (Gemm takes {batch, features})");
        flush();
        PendingAffine pending;
        pending.path = layer.path;
        pending.weight = linear.weight.detach().to(torch::kFloat64).clone();
        if (linear.bias.defined())
            pending.bias = linear.bias.detach().to(torch::kFloat64).clone();
        m_pending = std::move(pending);
        m_probe = linear.forward(m_probe);
        return {};
    }

    template <typename Options, typename Forward>
    Result<void> mapBatchNorm(const Layer &layer, const Options &options,
                              const torch::Tensor &weight, const torch::Tensor &bias,
                              const torch::Tensor &runningMean, const torch::Tensor &runningVar,
                              Forward forward)
    {
        if (!options.track_running_stats() || !runningMean.defined() || !runningVar.defined())
            return noMapping(layer, "without running statistics (its output would depend on "
                                    "the batch)");
        const std::int64_t features = options.num_features();
        auto asDouble = [](const torch::Tensor &tensor) {
            return tensor.detach().to(torch::kFloat64);
        };
        const torch::Tensor gamma =
            options.affine() ? asDouble(weight) : torch::ones({features}, torch::kFloat64);
        const torch::Tensor beta =
            options.affine() ? asDouble(bias) : torch::zeros({features}, torch::kFloat64);
        const torch::Tensor mean = asDouble(runningMean);
        const torch::Tensor variance = asDouble(runningVar);
        const double epsilon = options.eps();

        if (m_pending && m_pending->weight.size(0) == features) {
            foldBatchNorm(m_pending->weight, m_pending->bias,
                          batchNormAffine(gamma, beta, mean, variance, epsilon));
            m_pending->folded.push_back(layer.path);
        } else {
            flush();
            const std::vector<std::string> inputs{
                m_graph.current(), m_graph.addInitializer(layer.path + ".weight", gamma),
                m_graph.addInitializer(layer.path + ".bias", beta),
                m_graph.addInitializer(layer.path + ".running_mean", mean),
                m_graph.addInitializer(layer.path + ".running_var", variance)};
            auto &node = m_graph.addNode("BatchNormalization", layer.path, inputs);
            GraphBuilder::setFloat(node, "epsilon", float(epsilon));
        }
        m_probe = forward(m_probe);
        return {};
    }

    Result<void> mapGelu(const Layer &layer, torch::nn::GELUImpl &gelu)
    {
        if (gelu.options.approximate() != "none")
            return noMapping(layer, "with approximate='" + gelu.options.approximate() + "'");
        // Opset 17 has no Gelu: 0.5 * x * (1 + erf(x / sqrt(2))), as LibTorch computes it.
        flush();
        const std::string x = m_graph.current();
        const std::string &path = layer.path;
        auto scalar = [&](const std::string &name, float value) {
            return m_graph.addInitializer(path + "." + name, torch::tensor({value}));
        };
        m_graph.addNode("Div", path + ".scaled", {x, scalar("sqrt2", float(std::sqrt(2.0)))});
        m_graph.addNode("Erf", path + ".erf", {m_graph.current()});
        m_graph.addNode("Add", path + ".plus_one", {m_graph.current(), scalar("one", 1.0f)});
        m_graph.addNode("Mul", path + ".times_x", {x, m_graph.current()});
        m_graph.addNode("Mul", path, {m_graph.current(), scalar("half", 0.5f)});
        m_probe = gelu.forward(m_probe);
        return {};
    }

    Result<void> mapMaxPool(const Layer &layer, torch::nn::MaxPool2dImpl &pool)
    {
        const auto &options = pool.options;
        // ONNX and LibTorch count ceil-mode windows differently at the border.
        if (options.ceil_mode())
            return noMapping(layer, "with ceil_mode");
        const auto padding = toVector(*options.padding());
        flush();
        auto &node = m_graph.addNode("MaxPool", layer.path, {m_graph.current()});
        GraphBuilder::setInts(node, "kernel_shape", toVector(*options.kernel_size()));
        GraphBuilder::setInts(node, "strides", toVector(*options.stride()));
        GraphBuilder::setInts(node, "pads", {padding[0], padding[1], padding[0], padding[1]});
        GraphBuilder::setInts(node, "dilations", toVector(*options.dilation()));
        m_probe = pool.forward(m_probe);
        return {};
    }

    Result<void> mapFlatten(const Layer &layer, torch::nn::FlattenImpl &flatten)
    {
        const std::int64_t rank = m_probe.dim();
        const std::int64_t end = flatten.options.end_dim();
        if (flatten.options.start_dim() != 1 || (end != -1 && end != rank - 1))
            return noMapping(layer, "from dimension " + std::to_string(flatten.options.start_dim())
                                        + " to " + std::to_string(end)
                                        + " (only 1 to the last, as ONNX Flatten does)");
        flush();
        auto &node = m_graph.addNode("Flatten", layer.path, {m_graph.current()});
        GraphBuilder::setInt(node, "axis", 1);
        m_probe = flatten.forward(m_probe);
        return {};
    }

    GraphBuilder &m_graph;
    torch::Tensor m_probe;
    std::optional<PendingAffine> m_pending;
};

/// A probe batch of `count` deterministic values per sample: uniform in [-2, 2), enough to
/// tell layer chains apart.
torch::Tensor probeBatch(const std::vector<std::int64_t> &sampleShape, std::int64_t count)
{
    std::vector<std::int64_t> shape{count};
    shape.insert(shape.end(), sampleShape.begin(), sampleShape.end());
    torch::Tensor probe = torch::empty(shape, torch::kFloat32);
    SplitMix64 generator(20240917);
    float *values = probe.data_ptr<float>();
    for (std::int64_t i = 0; i < probe.numel(); ++i)
        values[i] = float(double(generator.next() >> 11) / double(1ull << 53)) * 4.0f - 2.0f;
    return probe;
}

void setTensorType(onnx::ValueInfoProto &info, const std::string &name,
                   const std::vector<std::int64_t> &shape, const std::string &doc)
{
    info.set_name(name);
    info.set_doc_string(doc);
    auto *tensorType = info.mutable_type()->mutable_tensor_type();
    tensorType->set_elem_type(onnx::TensorProto::FLOAT);
    auto *shapeProto = tensorType->mutable_shape();
    for (std::int64_t extent : shape) {
        auto *dimension = shapeProto->add_dim();
        if (extent < 0)
            dimension->set_dim_param(kBatchDimension);
        else
            dimension->set_dim_value(extent);
    }
}

void addMetadata(onnx::ModelProto &model, const std::string &key, const std::string &value)
{
    auto *property = model.add_metadata_props();
    property->set_key(key);
    property->set_value(value);
}

nlohmann::json hyperparametersJson(const Hyperparameters &values)
{
    nlohmann::json json = nlohmann::json::object();
    for (const auto &[name, value] : values)
        std::visit([&json, &name](const auto &v) { json[name] = v; }, value);
    return json;
}

/// What the graph takes, and for tabular models the encoded columns in order.
struct InputSpec
{
    std::string description;
    std::vector<std::string> columns;
    std::vector<float> means;  ///< per encoded value: 0 for one-hot values
    std::vector<float> scales; ///< per encoded value: 1 for one-hot values
    bool standardises = false;
};

Result<InputSpec> inputSpecOf(const Model &model)
{
    const ModelSignature &signature = model.signature();
    const Model::State &state = model.state();
    InputSpec spec;
    std::vector<std::int64_t> shape{-1};
    shape.insert(shape.end(), signature.sampleShape.begin(), signature.sampleShape.end());
    const std::string prefix = "float32 " + shapeText(shape) + ": ";
    if (state.architecture->inputKind() == InputKind::Image) {
        spec.description =
            prefix
            + "images as Millrace's datasets hold them, one float per pixel (from 8-bit images "
              "such as Fashion-MNIST: the value divided by 255, so 0 to 1), no other "
              "normalisation";
        return spec;
    }
    if (model.preprocessing().empty()) {
        spec.description = prefix
                           + "one row of features per sample, exactly as the model was trained "
                             "on them (the model records no preprocessing)";
        return spec;
    }
    auto preprocessor = TabularPreprocessor::fromJson(model.preprocessing());
    if (!preprocessor)
        return fail("cannot export to ONNX: the model's preprocessing does not read back: "
                    + preprocessor.errorMessage());
    if (signature.sampleShape.size() != 1
        || std::int64_t(preprocessor->outputWidth()) != signature.sampleShape[0])
        return fail("cannot export to ONNX: the model's preprocessing encodes "
                    + std::to_string(preprocessor->outputWidth())
                    + " values per row, the model takes " + shapeText(signature.sampleShape));
    spec.columns = preprocessor->outputNames();
    std::string columns;
    for (const FittedColumn &column : preprocessor->columns()) {
        if (!columns.empty())
            columns += "; ";
        if (column.kind == ColumnKind::Numeric) {
            spec.standardises = true;
            spec.means.push_back(float(column.mean));
            spec.scales.push_back(float(column.scale));
            columns += column.name + " (the number as it is)";
        } else {
            columns += column.name + " one-hot over";
            for (const std::string &category : column.categories) {
                spec.means.push_back(0.0f);
                spec.scales.push_back(1.0f);
                columns += " " + column.name + "=" + category;
            }
            columns += " (1 for the row's category, 0 for the others; all 0 for a category "
                       "not seen in training)";
        }
    }
    spec.description =
        prefix + "one table row per sample, " + std::to_string(spec.columns.size())
        + " values in this order: " + columns
        + ". The graph standardises the numeric columns with the training mean and standard "
          "deviation itself; categorical columns must be one-hot encoded by the caller";
    return spec;
}

std::string randomHex128()
{
    std::random_device device;
    std::mt19937_64 generator((std::uint64_t(device()) << 32) ^ device());
    char text[33];
    std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(generator()),
                  static_cast<unsigned long long>(generator()));
    return text;
}

std::string utcNowText()
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count()
        % 1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d.%06lld", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<long long>(micros));
    return text;
}

/// A YAML scalar for any text: a JSON string is a valid double-quoted YAML scalar.
std::string yamlString(const std::string &text)
{
    return nlohmann::json(text).dump();
}

std::string tensorSpecJson(const OnnxTensorInfo &tensor)
{
    nlohmann::ordered_json spec = nlohmann::ordered_json::array();
    spec.push_back({{"name", tensor.name},
                    {"type", "tensor"},
                    {"tensor-spec", {{"dtype", "float32"}, {"shape", tensor.shape}}}});
    return spec.dump();
}

struct ExportFile
{
    std::string name;
    std::string bytes;
};

std::vector<ExportFile> exportFiles(const std::string &onnxBytes, const Model &model,
                                    const OnnxExportReport &report,
                                    const std::vector<std::string> &columns)
{
    const std::string requirements = "mlflow\nnumpy\nonnx>=1.12\nonnxruntime>=1.13\n";
    const std::string conda = std::string("channels:\n- conda-forge\ndependencies:\n- python=")
                              + kPythonVersion
                              + "\n- pip\n- pip:\n  - mlflow\n  - numpy\n  - onnx>=1.12\n"
                                "  - onnxruntime>=1.13\nname: mlflow-env\n";
    const std::string pythonEnv = std::string("python: '") + kPythonVersion
                                  + "'\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\n"
                                    "dependencies:\n- -r requirements.txt\n";

    const ModelSignature &signature = model.signature();
    const bool classification = signature.task == TaskKind::Classification;
    std::string mlmodel;
    mlmodel += "flavors:\n";
    mlmodel += "  onnx:\n";
    mlmodel += "    code: null\n";
    mlmodel += "    data: model.onnx\n";
    mlmodel += "    onnx_session_options: null\n";
    mlmodel += "    onnx_version: " + std::string(onnx::LAST_RELEASE_VERSION) + "\n";
    // MLflow's default lists CUDA first, and mlflow.onnx then warns on every load where
    // onnxruntime has no CUDA; these graphs are small enough for the CPU.
    mlmodel += "    providers:\n    - CPUExecutionProvider\n";
    mlmodel += "  python_function:\n";
    mlmodel += "    data: model.onnx\n";
    mlmodel += "    env:\n      conda: conda.yaml\n      virtualenv: python_env.yaml\n";
    mlmodel += "    loader_module: mlflow.onnx\n";
    mlmodel += "    python_version: '" + std::string(kPythonVersion) + "'\n";
    mlmodel += "metadata:\n";
    mlmodel += "  exported_by: " + yamlString(std::string("Millrace ") + MILLRACE_VERSION) + "\n";
    mlmodel += "  architecture: " + yamlString(model.architectureId()) + "\n";
    mlmodel += "  task: " + std::string(classification ? "classification" : "regression") + "\n";
    mlmodel += "  input: " + yamlString(report.inputDescription) + "\n";
    mlmodel += "  output: " + yamlString(report.output.name) + "\n";
    mlmodel +=
        "  output_meaning: "
        + yamlString(classification ? "class scores (logits) before softmax, one per class in "
                                      "class_names order; the class is the largest"
                                    : "the predicted value(s)")
        + "\n";
    if (!signature.classNames.empty())
        mlmodel += "  class_names: " + nlohmann::json(signature.classNames).dump() + "\n";
    if (!columns.empty())
        mlmodel += "  input_columns: " + nlohmann::json(columns).dump() + "\n";
    mlmodel += "mlflow_version: " + std::string(kMlflowFormatVersion) + "\n";
    mlmodel += "model_size_bytes: " + std::to_string(onnxBytes.size()) + "\n";
    mlmodel += "model_uuid: " + randomHex128() + "\n";
    mlmodel += "signature:\n";
    mlmodel += "  inputs: " + yamlString(tensorSpecJson(report.input)) + "\n";
    mlmodel += "  outputs: " + yamlString(tensorSpecJson(report.output)) + "\n";
    mlmodel += "  params: null\n";
    mlmodel += "utc_time_created: '" + utcNowText() + "'\n";

    // In kExportFiles' order.
    return {{kRequirementsFile, requirements},
            {kCondaFile, conda},
            {kPythonEnvFile, pythonEnv},
            {kModelFile, onnxBytes},
            {kMlmodelFile, mlmodel}};
}

/// Whether the MLmodel file at `path` describes an ONNX model (a flavor "onnx").
bool isOnnxMlmodel(const fs::path &path)
{
    auto bytes = readFileBytes(path.string());
    if (!bytes)
        return false;
    const std::string text(bytes->begin(), bytes->end());
    bool inFlavors = false;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.pop_back();
        if (!line.empty() && line[0] != ' ' && line[0] != '#')
            inFlavors = line == "flavors:";
        else if (inFlavors && line == "  onnx:")
            return true;
        start = end + 1;
    }
    return false;
}

/// Checks the export may write into `directory`; returns whether it already exists.
Result<bool> checkOutputDirectory(const fs::path &directory)
{
    std::error_code error;
    const auto status = fs::status(directory, error);
    if (status.type() == fs::file_type::not_found)
        return false;
    if (error)
        return fail(directory.string() + ": " + error.message());
    if (status.type() != fs::file_type::directory)
        return fail(directory.string() + ": exists and is not a folder");
    const bool earlierExport = isOnnxMlmodel(directory / kMlmodelFile);
    for (const char *name : kExportFiles) {
        if (!earlierExport && fs::exists(directory / name, error))
            return fail((directory / name).string()
                        + ": already there, and the folder holds no earlier ONNX export; "
                          "exporting would overwrite it (choose an empty or new folder)");
    }
    return true;
}

Result<void> syncDirectory(const fs::path &directory)
{
    // Makes the renames inside the folder durable, not just the files' contents.
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(directory.string() + ": cannot open to sync (" + std::strerror(errno) + ")");
    const int status = ::fsync(fd);
    const int savedErrno = errno;
    ::close(fd);
    if (status != 0)
        return fail(directory.string() + ": fsync failed (" + std::strerror(savedErrno) + ")");
    return {};
}

std::span<const std::uint8_t> asBytes(const std::string &text)
{
    return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

/// Writes the files into `directory`. A new folder is filled under a temporary name beside it
/// and renamed into place, so it appears whole or not at all; an existing one gets its files
/// replaced one by one, each atomically, MLmodel last.
Result<std::vector<std::string>> writeExport(const fs::path &directory, bool exists,
                                             const std::vector<ExportFile> &files)
{
    std::vector<std::string> written;
    if (exists) {
        for (const ExportFile &file : files) {
            const fs::path path = directory / file.name;
            if (auto result = writeFileAtomically(path.string(), asBytes(file.bytes)); !result)
                return result.error();
            written.push_back(path.string());
        }
        if (auto synced = syncDirectory(directory); !synced)
            return synced.error();
        return written;
    }

    fs::path parent = directory.parent_path();
    if (parent.empty())
        parent = ".";
    std::error_code error;
    fs::create_directories(parent, error);
    if (error)
        return fail(parent.string() + ": " + error.message());
    std::string temporary =
        (parent / ("." + directory.filename().string() + ".onnx-export-XXXXXX")).string();
    if (!::mkdtemp(temporary.data()))
        return fail(parent.string() + ": cannot create a temporary folder (" + std::strerror(errno)
                    + ")");
    auto abandon = [&](Error failure) {
        std::error_code ignored;
        fs::remove_all(temporary, ignored);
        return failure;
    };
    ::chmod(temporary.c_str(), 0755);
    for (const ExportFile &file : files) {
        const fs::path path = fs::path(temporary) / file.name;
        if (auto result = writeFileAtomically(path.string(), asBytes(file.bytes)); !result)
            return abandon(result.error());
        written.push_back((directory / file.name).string());
    }
    if (auto synced = syncDirectory(temporary); !synced)
        return abandon(synced.error());
    if (::rename(temporary.c_str(), directory.c_str()) != 0)
        return abandon(fail(directory.string() + ": cannot move the export into place ("
                            + std::strerror(errno) + ")"));
    if (auto synced = syncDirectory(parent); !synced)
        return synced.error();
    return written;
}

/// Puts the network in evaluation mode and restores its mode when done.
class EvaluationMode
{
public:
    explicit EvaluationMode(Network &network) : m_network(network), m_was(network.is_training())
    {
        m_network.eval();
    }
    ~EvaluationMode() { m_network.train(m_was); }
    EvaluationMode(const EvaluationMode &) = delete;
    EvaluationMode &operator=(const EvaluationMode &) = delete;

private:
    Network &m_network;
    bool m_was;
};

/// The directory as given, without trailing separators (so "out/" names the folder "out").
fs::path normalisedDirectory(std::string directory)
{
    while (directory.size() > 1 && directory.back() == '/')
        directory.pop_back();
    return fs::path(directory);
}

Result<OnnxExportReport> buildAndWrite(const Model &model, const fs::path &directory,
                                       const OnnxExportOptions &options)
{
    auto progress = [&](double fraction, const std::string &step) {
        if (options.progress)
            options.progress(fraction, step);
    };
    auto cancelled = [&] { return options.cancelled && options.cancelled(); };

    if (options.opset < kOnnxMinimumOpset || options.opset > kOnnxMaximumOpset)
        return fail("cannot export to ONNX with opset " + std::to_string(options.opset)
                    + ": this build writes opsets " + std::to_string(kOnnxMinimumOpset) + " to "
                    + std::to_string(kOnnxMaximumOpset));
    auto exists = checkOutputDirectory(directory);
    if (!exists)
        return exists.error();
    progress(0.0, "reading the network");
    if (cancelled())
        return fail(kCancelled);

    const ModelSignature &signature = model.signature();
    Network &network = *model.state().network;
    EvaluationMode evaluation(network);
    torch::NoGradGuard noGrad;

    if (const auto own = network.named_parameters(false); own.size() > 0)
        return fail("cannot export to ONNX: the network holds parameter '" + own.begin()->key()
                    + "' of its own, outside its layers (see network.h)");
    const std::vector<Layer> layers = layerChain(network);

    auto input = inputSpecOf(model);
    if (!input)
        return input.error();

    OnnxExportReport report;
    report.opset = options.opset;
    report.input.name = kInputName;
    report.input.shape = {-1};
    report.input.shape.insert(report.input.shape.end(), signature.sampleShape.begin(),
                              signature.sampleShape.end());
    const bool classification = signature.task == TaskKind::Classification;
    report.output.name = classification ? "logits" : "predictions";
    report.output.shape = {-1, signature.outputs};
    report.inputDescription = input->description;

    onnx::ModelProto proto;
    proto.set_ir_version(onnx::IR_VERSION);
    proto.set_producer_name("Millrace");
    proto.set_producer_version(MILLRACE_VERSION);
    proto.set_doc_string("Millrace " + model.architectureId() + " model ("
                         + (classification ? "classification" : "regression")
                         + "), exported from LibTorch in evaluation mode");
    auto *opset = proto.add_opset_import();
    opset->set_domain("");
    opset->set_version(options.opset);
    onnx::GraphProto &graph = *proto.mutable_graph();
    graph.set_name(model.architectureId());
    setTensorType(*graph.add_input(), report.input.name, report.input.shape, input->description);
    GraphBuilder builder(graph);

    // The chain starts from the network's own input: standardisation is the preprocessing's
    // job in LibTorch, so the probe skips it.
    const std::int64_t probeCount = 2;
    torch::Tensor probe = probeBatch(signature.sampleShape, probeCount);
    const torch::Tensor expected = network.forward(probe.clone());
    if (input->standardises) {
        const auto features = std::int64_t(input->means.size());
        builder.addNode("Sub", "standardise.centre",
                        {builder.current(),
                         builder.addInitializer("standardise.mean",
                                                torch::tensor(input->means).reshape({features}))});
        builder.addNode("Div", "standardise",
                        {builder.current(),
                         builder.addInitializer("standardise.std",
                                                torch::tensor(input->scales).reshape({features}))});
    }
    torch::Tensor chainInput = probe;
    if (model.state().architecture->inputKind() == InputKind::Image
        && signature.sampleShape.size() == 2) {
        // {batch, height, width} images get their one channel, as image networks expect.
        const std::vector<std::int64_t> shape{-1, 1, signature.sampleShape[0],
                                              signature.sampleShape[1]};
        builder.addNode("Reshape", "add_channel_axis",
                        {builder.current(), builder.addInt64Initializer("channel_shape", shape)});
        chainInput = probe.reshape(shape);
    }

    LayerMapper mapper(builder, chainInput);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (cancelled())
            return fail(kCancelled);
        progress(0.05 + 0.6 * double(i) / double(layers.size()),
                 "layer " + layers[i].path + " (" + shortTypeName(layers[i].typeName()) + ")");
        try {
            if (auto mapped = mapper.map(layers[i]); !mapped)
                return mapped.error();
        } catch (const std::exception &exception) {
            return fail("cannot export to ONNX: layer '" + layers[i].path + "' ("
                        + layers[i].typeName() + ") fails on the output of the layers before "
                        + "it: " + messageOf(exception));
        }
    }
    mapper.flush();

    const torch::Tensor &chained = mapper.probe();
    if (!chained.sizes().equals(expected.sizes())
        || !torch::allclose(chained, expected, 1e-4, 1e-5))
        return fail("cannot export to ONNX: the network's forward() is not its layers applied "
                    "in order (see network.h), so the layers alone would give other outputs");
    if (expected.dim() != 2 || expected.size(0) != probeCount
        || expected.size(1) != signature.outputs)
        return fail("cannot export to ONNX: the network gives outputs of shape "
                    + shapeText(toVector(expected.sizes())) + " for " + std::to_string(probeCount)
                    + " samples, its signature says " + std::to_string(signature.outputs)
                    + " per sample");

    if (graph.node_size() == 0)
        builder.addNode("Identity", report.output.name, {builder.current()});
    else
        graph.mutable_node(graph.node_size() - 1)->set_output(0, report.output.name);
    setTensorType(*graph.add_output(), report.output.name, report.output.shape,
                  classification ? "class scores (logits), before softmax" : "predicted values");
    report.nodeCount = std::size_t(graph.node_size());

    addMetadata(proto, "architecture", model.architectureId());
    addMetadata(proto, "task", classification ? "classification" : "regression");
    addMetadata(proto, "input", input->description);
    addMetadata(proto, "output", report.output.name);
    if (!signature.classNames.empty())
        addMetadata(proto, "class_names", nlohmann::json(signature.classNames).dump());
    if (!input->columns.empty())
        addMetadata(proto, "input_columns", nlohmann::json(input->columns).dump());
    if (!model.preprocessing().empty())
        addMetadata(proto, "preprocessing", model.preprocessing());
    addMetadata(proto, "hyperparameters", hyperparametersJson(model.hyperparameters()).dump());

    if (cancelled())
        return fail(kCancelled);
    progress(0.7, "checking the graph");
    try {
        onnx::checker::check_model(proto);
    } catch (const std::exception &exception) {
        return fail(std::string("cannot export to ONNX: the onnx checker rejects the graph: ")
                    + exception.what());
    }
    report.checkerVerdict = "valid";
    try {
        // Strict: a node whose shapes do not fit, or an output other than declared, throws.
        onnx::ModelProto inferred = proto;
        onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                           onnx::ShapeInferenceOptions(true, 1, true));
    } catch (const std::exception &exception) {
        return fail(std::string("cannot export to ONNX: shape inference fails on the graph: ")
                    + exception.what());
    }

    progress(0.8, "serialising");
    std::string onnxBytes;
    if (proto.ByteSizeLong() > std::size_t(INT32_MAX) || !proto.SerializeToString(&onnxBytes))
        return fail("cannot export to ONNX: the graph does not fit in one 2 GB protobuf file");
    report.modelBytes = onnxBytes.size();
    const std::vector<ExportFile> files = exportFiles(onnxBytes, model, report, input->columns);

    // The last chance to cancel: once writing starts it finishes, so files stay consistent.
    if (cancelled())
        return fail(kCancelled);
    progress(0.9, "writing " + directory.string());
    auto written = writeExport(directory, *exists, files);
    if (!written)
        return written.error();
    report.files = std::move(*written);
    report.modelPath = (directory / kModelFile).string();
    report.mlmodelPath = (directory / kMlmodelFile).string();
    progress(1.0, "done");
    return report;
}

} // namespace

Result<OnnxExportReport> exportOnnx(const Model &model, const std::string &outputDirectory,
                                    const OnnxExportOptions &options)
{
    if (outputDirectory.empty())
        return fail("cannot export to ONNX: no output folder given");
    try {
        return buildAndWrite(model, normalisedDirectory(outputDirectory), options);
    } catch (const std::exception &exception) {
        return fail("cannot export to ONNX: " + messageOf(exception));
    }
}

Result<OnnxExportReport> exportSavedModelToOnnx(const std::string &modelDirectory,
                                                const ArchitectureLookup &lookup,
                                                const std::string &outputDirectory,
                                                const OnnxExportOptions &options)
{
    auto model = Model::load(modelDirectory, lookup);
    if (!model)
        return model.error();
    return exportOnnx(*model, outputDirectory, options);
}

} // namespace millrace::ml

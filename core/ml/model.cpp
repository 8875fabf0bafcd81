#include "core/ml/modelstate.h"

#include "core/ml/fileio.h"

#include <nlohmann/json.hpp>
#include <torch/serialize.h>
#include <zlib.h>

#include <filesystem>
#include <mutex>
#include <sstream>

namespace millrace::ml {

namespace {

constexpr const char *kFormat = "millrace-model";
constexpr int kFormatVersion = 1;
constexpr const char *kWeightsFile = "weights.pt";
constexpr const char *kDescriptionFile = "model.json";

nlohmann::json toJson(const HyperValue &value)
{
    if (const auto *integer = std::get_if<std::int64_t>(&value))
        return *integer;
    if (const auto *real = std::get_if<double>(&value))
        return *real;
    if (const auto *flag = std::get_if<bool>(&value))
        return *flag;
    return std::get<std::string>(value);
}

std::optional<HyperValue> fromJson(const nlohmann::json &json)
{
    if (json.is_boolean())
        return HyperValue(json.get<bool>());
    if (json.is_number_integer())
        return HyperValue(json.get<std::int64_t>());
    if (json.is_number())
        return HyperValue(json.get<double>());
    if (json.is_string())
        return HyperValue(json.get<std::string>());
    return std::nullopt;
}

std::uint32_t crc32Of(const std::string &bytes)
{
    return std::uint32_t(crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef *>(bytes.data()),
                               uInt(bytes.size())));
}

std::span<const std::uint8_t> asBytes(const std::string &text)
{
    return {reinterpret_cast<const std::uint8_t *>(text.data()), text.size()};
}

} // namespace

ModelSignature ModelSignature::of(const Dataset &data)
{
    ModelSignature signature;
    signature.sampleShape = data.sampleShape;
    signature.task = data.task;
    signature.outputs = data.task == TaskKind::Classification ? data.classCount : 1;
    signature.classNames = data.classNames;
    return signature;
}

Result<void> ModelSignature::accepts(const Dataset &data) const
{
    auto shapeText = [](const std::vector<std::int64_t> &shape) {
        std::string text = "{";
        for (std::size_t i = 0; i < shape.size(); ++i)
            text += (i ? ", " : "") + std::to_string(shape[i]);
        return text + "}";
    };
    if (data.sampleShape != sampleShape)
        return fail("the model takes samples of shape " + shapeText(sampleShape) + ", the data has "
                    + shapeText(data.sampleShape));
    if (data.hasLabels() && data.task != task)
        return fail(task == TaskKind::Classification
                        ? "the model classifies, the data has regression targets"
                        : "the model predicts values, the data has class labels");
    if (data.hasLabels() && task == TaskKind::Classification && data.classCount != outputs)
        return fail("the model knows " + std::to_string(outputs) + " classes, the data has "
                    + std::to_string(data.classCount));
    return data.validate();
}

torch::Tensor featureView(const Dataset &data, std::size_t first, std::size_t count)
{
    std::vector<std::int64_t> shape{std::int64_t(count)};
    shape.insert(shape.end(), data.sampleShape.begin(), data.sampleShape.end());
    // from_blob wants a mutable pointer; the tensor is only read.
    auto *values = const_cast<float *>(data.features.data()) + first * data.featureCount();
    return torch::from_blob(values, shape, torch::kFloat32);
}

Result<Model> Model::create(const Architecture &architecture,
                            const Hyperparameters &hyperparameters, const ModelSignature &signature,
                            std::uint64_t seed)
{
    auto resolved = resolveHyperparameters(architecture.hyperparameters(), hyperparameters);
    if (!resolved)
        return resolved.error();
    // Initial weights come from LibTorch's one global generator: seed it and build under a
    // lock, so models built at once on several threads still get the weights of their seed.
    static std::mutex generatorMutex;
    std::unique_lock lock(generatorMutex);
    torch::manual_seed(seed);
    auto network = architecture.create(*resolved, signature.sampleShape, signature.outputs);
    lock.unlock();
    if (!network)
        return network.error();
    auto state = std::make_shared<State>();
    state->architecture = &architecture;
    state->hyperparameters = std::move(*resolved);
    state->signature = signature;
    state->network = std::move(*network);
    return Model(std::move(state));
}

Result<void> Model::save(const std::string &directory) const
{
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
        return fail(directory + ": " + error.message());
    std::string weights;
    try {
        torch::serialize::OutputArchive archive;
        m_state->network->save(archive);
        std::ostringstream stream;
        archive.save_to(stream);
        weights = stream.str();
    } catch (const std::exception &exception) {
        return fail("could not serialise the weights: " + std::string(exception.what()));
    }
    nlohmann::json hyperparameters = nlohmann::json::object();
    for (const auto &[name, value] : m_state->hyperparameters)
        hyperparameters[name] = toJson(value);
    const ModelSignature &signature = m_state->signature;
    nlohmann::json description{
        {"format", kFormat},
        {"format_version", kFormatVersion},
        {"architecture", m_state->architecture->id()},
        {"hyperparameters", hyperparameters},
        {"signature",
         {{"inputs", {{"dtype", "float32"}, {"sample_shape", signature.sampleShape}}},
          {"outputs", signature.outputs},
          {"task", signature.task == TaskKind::Classification ? "classification" : "regression"},
          {"class_names", signature.classNames}}},
        {"preprocessing", m_state->preprocessing.empty()
                              ? nlohmann::json()
                              : nlohmann::json::parse(m_state->preprocessing, nullptr, false)},
        {"weights",
         {{"file", kWeightsFile}, {"bytes", weights.size()}, {"crc32", crc32Of(weights)}}},
    };
    const std::filesystem::path folder(directory);
    if (auto written = writeFileAtomically((folder / kWeightsFile).string(), asBytes(weights));
        !written)
        return written;
    // Last: a folder whose model.json is missing or older than its weights is refused on load.
    return writeFileAtomically((folder / kDescriptionFile).string(),
                               asBytes(description.dump(2) + "\n"));
}

Result<Model> Model::load(const std::string &directory, const ArchitectureLookup &lookup)
{
    const std::filesystem::path folder(directory);
    const std::string descriptionPath = (folder / kDescriptionFile).string();
    auto descriptionBytes = readFileBytes(descriptionPath);
    if (!descriptionBytes)
        return descriptionBytes.error();
    const auto description =
        nlohmann::json::parse(descriptionBytes->begin(), descriptionBytes->end(), nullptr, false);
    if (description.is_discarded() || !description.is_object())
        return fail(descriptionPath + ": not valid JSON");
    auto bad = [&](const std::string &what) { return fail(descriptionPath + ": " + what); };
    try {
        if (description.value("format", "") != kFormat)
            return bad("not a Millrace model");
        if (description.value("format_version", 0) != kFormatVersion)
            return bad("model format version "
                       + std::to_string(description.value("format_version", 0))
                       + " is not supported (this build reads version 1)");
        const std::string architectureId = description.at("architecture").get<std::string>();
        const Architecture *architecture = lookup ? lookup(architectureId) : nullptr;
        if (!architecture)
            return bad("architecture '" + architectureId + "' is not available");
        Hyperparameters given;
        for (const auto &[name, value] : description.at("hyperparameters").items()) {
            auto parsed = fromJson(value);
            if (!parsed)
                return bad("hyperparameter '" + name + "' has no usable value");
            given[name] = *parsed;
        }
        const auto &jsonSignature = description.at("signature");
        ModelSignature signature;
        signature.sampleShape =
            jsonSignature.at("inputs").at("sample_shape").get<std::vector<std::int64_t>>();
        signature.outputs = jsonSignature.at("outputs").get<std::int64_t>();
        signature.task = jsonSignature.at("task").get<std::string>() == "regression"
                             ? TaskKind::Regression
                             : TaskKind::Classification;
        signature.classNames = jsonSignature.at("class_names").get<std::vector<std::string>>();

        auto model = create(*architecture, given, signature);
        if (!model)
            return bad(model.error().message);
        const auto &preprocessing = description.at("preprocessing");
        if (!preprocessing.is_null())
            model->setPreprocessing(preprocessing.dump());

        const auto &weightsInfo = description.at("weights");
        const std::string weightsPath =
            (folder / weightsInfo.at("file").get<std::string>()).string();
        auto weightBytes = readFileBytes(weightsPath);
        if (!weightBytes)
            return weightBytes.error();
        const std::string weights(weightBytes->begin(), weightBytes->end());
        if (weights.size() != weightsInfo.at("bytes").get<std::size_t>())
            return fail(weightsPath + ": " + std::to_string(weights.size()) + " bytes, "
                        + std::to_string(weightsInfo.at("bytes").get<std::size_t>())
                        + " expected: the file is truncated or from another save");
        if (crc32Of(weights) != weightsInfo.at("crc32").get<std::uint32_t>())
            return fail(weightsPath + ": checksum mismatch: the file is corrupt");
        torch::serialize::InputArchive archive;
        std::istringstream stream(weights);
        archive.load_from(stream);
        model->state().network->load(archive);
        return model;
    } catch (const nlohmann::json::exception &exception) {
        return bad(std::string("missing or malformed field (") + exception.what() + ")");
    } catch (const std::exception &exception) {
        return fail(directory + ": could not load the weights: " + exception.what());
    }
}

Result<Model> Model::clone() const
{
    auto copy = create(*m_state->architecture, m_state->hyperparameters, m_state->signature);
    if (!copy)
        return copy.error();
    copy->setPreprocessing(m_state->preprocessing);
    torch::NoGradGuard noGrad;
    const auto source = m_state->network->named_parameters(true);
    auto target = copy->m_state->network->named_parameters(true);
    for (const auto &item : source)
        target[item.key()].copy_(item.value());
    const auto sourceBuffers = m_state->network->named_buffers(true);
    auto targetBuffers = copy->m_state->network->named_buffers(true);
    for (const auto &item : sourceBuffers)
        targetBuffers[item.key()].copy_(item.value());
    return copy;
}

Result<std::vector<float>> Model::predict(const Dataset &data, std::size_t batchSize) const
{
    if (auto fits = m_state->signature.accepts(data); !fits)
        return fits.error();
    Network &network = *m_state->network;
    const bool wasTraining = network.is_training();
    network.eval();
    std::vector<float> outputs;
    outputs.reserve(data.size() * std::size_t(m_state->signature.outputs));
    try {
        torch::NoGradGuard noGrad;
        for (std::size_t first = 0; first < data.size(); first += batchSize) {
            const std::size_t count = std::min(batchSize, data.size() - first);
            const torch::Tensor result =
                network.forward(featureView(data, first, count)).contiguous().to(torch::kFloat32);
            const float *values = result.data_ptr<float>();
            outputs.insert(outputs.end(), values, values + result.numel());
        }
    } catch (const std::exception &exception) {
        network.train(wasTraining);
        return fail(std::string("prediction failed: ") + exception.what());
    }
    network.train(wasTraining);
    return outputs;
}

std::string Model::architectureId() const
{
    return m_state->architecture->id();
}

const Hyperparameters &Model::hyperparameters() const
{
    return m_state->hyperparameters;
}

const ModelSignature &Model::signature() const
{
    return m_state->signature;
}

const std::string &Model::preprocessing() const
{
    return m_state->preprocessing;
}

void Model::setPreprocessing(std::string json)
{
    m_state->preprocessing = std::move(json);
}

std::int64_t Model::parameterCount() const
{
    std::int64_t count = 0;
    for (const torch::Tensor &parameter : m_state->network->parameters())
        count += parameter.numel();
    return count;
}

} // namespace millrace::ml

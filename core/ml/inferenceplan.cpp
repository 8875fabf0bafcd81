#include "core/ml/inferenceplan.h"

#include "core/ml/layerchain.h"
#include "core/ml/modelstate.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>

namespace millrace::ml {

namespace {

/// One step of the plan: what it does to the tensor, and what it gives back.
struct Step
{
    enum class Output {
        Fresh,  ///< a new tensor
        View,   ///< a view of its input (the caller's samples, when nothing came before)
        InPlace ///< its input, overwritten: only for tensors the plan made itself
    };
    std::string label;
    std::function<torch::Tensor(const torch::Tensor &)> apply;
    Output output = Output::Fresh;
};

std::string shortName(const Layer &layer)
{
    const std::string name = layer.typeName();
    const auto colons = name.rfind("::");
    return colons == std::string::npos ? name : name.substr(colons + 2);
}

/// Batches of up to this many rows go through a linear layer as one matrix-vector product per
/// row; larger ones as one matrix product. For small batches a matrix product costs far more
/// than its arithmetic: OpenBLAS first copies the whole weight matrix into its own layout, on
/// every call. For the shipped CNN's first linear layer (3136 x 128 weights, one core) that was
/// 150 us for one image, against 28 us as a matrix-vector product, which reads the weights
/// once as they are; from 4 rows on, the matrix product is the cheaper again.
constexpr std::int64_t kMaxRowsAsVectorProducts = 3;

/// A linear layer, y = x w^T + b, for `x` of {rows, inputs}; `transposed` is w^T, contiguous,
/// which OpenBLAS's matrix product lays out faster than a transposed view of w.
torch::Tensor linearLayer(const torch::Tensor &x, const torch::Tensor &weight,
                          const torch::Tensor &transposed, const torch::Tensor &bias)
{
    if (x.dim() != 2)
        return torch::nn::functional::linear(x, weight, bias);
    const std::int64_t rows = x.size(0);
    if (rows > kMaxRowsAsVectorProducts)
        return bias.defined() ? torch::addmm(bias, x, transposed) : torch::mm(x, transposed);
    torch::Tensor output = torch::empty({rows, weight.size(0)}, x.options());
    for (std::int64_t row = 0; row < rows; ++row) {
        torch::Tensor out = output[row];
        if (bias.defined())
            torch::addmv_out(out, bias, weight, x[row]);
        else
            torch::mv_out(out, weight, x[row]);
    }
    return output;
}

/// A Conv2d or Linear whose step is not written yet, so a batch norm after it can be folded in.
struct PendingAffine
{
    std::string label;
    torch::Tensor weight; ///< float64 while folding
    torch::Tensor bias;
    bool convolution = false;
    std::vector<std::int64_t> stride, padding, dilation;
    std::int64_t groups = 1;
    bool samePadding = false;

    Step step() const
    {
        const torch::Tensor w = weight.to(torch::kFloat32).contiguous();
        const torch::Tensor b = bias.defined() ? bias.to(torch::kFloat32).contiguous() : bias;
        if (!convolution)
            return {label, [w, b, transposed = w.t().contiguous()](const torch::Tensor &x) {
                        return linearLayer(x, w, transposed, b);
                    }};
        if (samePadding)
            return {label, [w, b, stride = stride, dilation = dilation,
                            groups = groups](const torch::Tensor &x) {
                        return at::conv2d(x, w, b, stride, "same", dilation, groups);
                    }};
        return {label, [w, b, stride = stride, padding = padding, dilation = dilation,
                        groups = groups](const torch::Tensor &x) {
                    return at::conv2d(x, w, b, stride, padding, dilation, groups);
                }};
    }
};

std::vector<std::int64_t> toVector(torch::IntArrayRef values)
{
    return {values.begin(), values.end()};
}

/// Max pooling with the window as its stride, no padding and no dilation: for a contiguous
/// float32 {batch, channels, height, width} tensor, one pass over the planes. LibTorch 1.13's
/// max_pool2d works out indices nobody reads, and the same pooling as strided-view maximums
/// is not vectorised either; for the shipped CNN at batch 1 both took 13-15% of a request's
/// CPU, this loop a few percent. Borders that do not fill a window are dropped and NaN wins,
/// as in LibTorch's kernel without ceil mode.
torch::Tensor tiledMaxPool(const torch::Tensor &x, std::int64_t kh, std::int64_t kw)
{
    if (x.dim() != 4 || x.scalar_type() != torch::kFloat32 || !x.is_contiguous())
        return torch::max_pool2d(x, {kh, kw});
    const std::int64_t planes = x.size(0) * x.size(1);
    const std::int64_t height = x.size(2), width = x.size(3);
    const std::int64_t outHeight = height / kh, outWidth = width / kw;
    torch::Tensor output = torch::empty({x.size(0), x.size(1), outHeight, outWidth}, x.options());
    const float *in = x.data_ptr<float>();
    float *out = output.data_ptr<float>();
    // The larger of two, or the NaN among them, as LibTorch's kernel picks.
    const auto larger = [](float a, float b) { return (a > b || std::isnan(a)) ? a : b; };
    for (std::int64_t plane = 0; plane < planes; ++plane) {
        const float *source = in + plane * height * width;
        for (std::int64_t i = 0; i < outHeight; ++i) {
            const float *top = source + i * kh * width;
            if (kh == 2 && kw == 2) {
                // The common case, without the inner loops, so the compiler can unroll it.
                const float *bottom = top + width;
                for (std::int64_t j = 0; j < outWidth; ++j) {
                    const float a = top[2 * j], b = top[2 * j + 1];
                    const float c = bottom[2 * j], d = bottom[2 * j + 1];
                    // Branch-free: the comparisons of random activations do not predict.
                    const float largest = std::max(std::max(a, b), std::max(c, d));
                    const bool nan = std::isnan(a) | std::isnan(b) | std::isnan(c) | std::isnan(d);
                    out[j] = nan ? std::numeric_limits<float>::quiet_NaN() : largest;
                }
            } else {
                for (std::int64_t j = 0; j < outWidth; ++j) {
                    float largest = top[j * kw];
                    for (std::int64_t di = 0; di < kh; ++di)
                        for (std::int64_t dj = 0; dj < kw; ++dj)
                            largest = larger(top[di * width + j * kw + dj], largest);
                    out[j] = largest;
                }
            }
            out += outWidth;
        }
    }
    return output;
}

/// Turns the layers into steps; nullopt (and why) for a layer the plan does not know.
class Planner
{
public:
    Result<void> add(const Layer &layer)
    {
        torch::nn::Module *module = layer.module.get();
        const std::string label = layer.path + " " + shortName(layer);
        if (dynamic_cast<torch::nn::DropoutImpl *>(module)
            || dynamic_cast<torch::nn::Dropout2dImpl *>(module)
            || dynamic_cast<torch::nn::Dropout3dImpl *>(module)
            || dynamic_cast<torch::nn::AlphaDropoutImpl *>(module)
            || dynamic_cast<torch::nn::FeatureAlphaDropoutImpl *>(module)
            || dynamic_cast<torch::nn::IdentityImpl *>(module))
            return {}; // the identity in evaluation mode
        if (auto *conv = dynamic_cast<torch::nn::Conv2dImpl *>(module))
            return addConv(label, *conv);
        if (auto *linear = dynamic_cast<torch::nn::LinearImpl *>(module)) {
            flush();
            PendingAffine pending;
            pending.label = label;
            pending.weight = linear->weight.detach().to(torch::kFloat64).clone();
            if (linear->bias.defined())
                pending.bias = linear->bias.detach().to(torch::kFloat64).clone();
            m_pending = std::move(pending);
            return {};
        }
        if (auto *norm = dynamic_cast<torch::nn::BatchNorm2dImpl *>(module))
            return addBatchNorm(label, norm->options, norm->weight, norm->bias, norm->running_mean,
                                norm->running_var);
        if (auto *norm = dynamic_cast<torch::nn::BatchNorm1dImpl *>(module))
            return addBatchNorm(label, norm->options, norm->weight, norm->bias, norm->running_mean,
                                norm->running_var);
        flush();
        if (dynamic_cast<torch::nn::ReLUImpl *>(module)) {
            m_steps.push_back({label, [](const torch::Tensor &x) { return torch::relu(x); }});
            m_steps.push_back({label + " (in place)",
                               [](const torch::Tensor &x) { return x.relu_(); },
                               Step::Output::InPlace});
            return {};
        }
        if (auto *leaky = dynamic_cast<torch::nn::LeakyReLUImpl *>(module)) {
            const double slope = leaky->options.negative_slope();
            m_steps.push_back(
                {label, [slope](const torch::Tensor &x) { return torch::leaky_relu(x, slope); }});
            return {};
        }
        if (dynamic_cast<torch::nn::TanhImpl *>(module)) {
            m_steps.push_back({label, [](const torch::Tensor &x) { return torch::tanh(x); }});
            return {};
        }
        if (dynamic_cast<torch::nn::SigmoidImpl *>(module)) {
            m_steps.push_back({label, [](const torch::Tensor &x) { return torch::sigmoid(x); }});
            return {};
        }
        if (auto *gelu = dynamic_cast<torch::nn::GELUImpl *>(module)) {
            const std::string approximate = gelu->options.approximate();
            m_steps.push_back({label, [approximate](const torch::Tensor &x) {
                                   return torch::gelu(x, approximate);
                               }});
            return {};
        }
        if (auto *pool = dynamic_cast<torch::nn::MaxPool2dImpl *>(module))
            return addMaxPool(label, *pool);
        if (auto *flatten = dynamic_cast<torch::nn::FlattenImpl *>(module)) {
            const std::int64_t start = flatten->options.start_dim();
            const std::int64_t end = flatten->options.end_dim();
            m_steps.push_back(
                {label, [start, end](const torch::Tensor &x) { return x.flatten(start, end); },
                 Step::Output::View});
            return {};
        }
        return fail("layer '" + layer.path + "' (" + layer.typeName()
                    + ") is not one the inference plan knows");
    }

    /// Writes the step held back for folding.
    void flush()
    {
        if (m_pending) {
            m_steps.push_back(m_pending->step());
            m_pending.reset();
        }
    }

    std::vector<Step> take()
    {
        flush();
        return std::move(m_steps);
    }

private:
    Result<void> addConv(const std::string &label, torch::nn::Conv2dImpl &conv)
    {
        const auto &options = conv.options;
        if (!c10::holds_alternative<torch::enumtype::kZeros>(options.padding_mode()))
            return fail("layer " + label + " pads with "
                        + torch::enumtype::get_enum_name(options.padding_mode()));
        flush();
        PendingAffine pending;
        pending.label = label;
        pending.convolution = true;
        pending.weight = conv.weight.detach().to(torch::kFloat64).clone();
        if (conv.bias.defined())
            pending.bias = conv.bias.detach().to(torch::kFloat64).clone();
        pending.stride = toVector(*options.stride());
        pending.dilation = toVector(*options.dilation());
        pending.groups = options.groups();
        if (const auto *explicitPadding = c10::get_if<torch::ExpandingArray<2>>(&options.padding()))
            pending.padding = toVector(**explicitPadding);
        else if (c10::holds_alternative<torch::enumtype::kValid>(options.padding()))
            pending.padding = {0, 0};
        else
            pending.samePadding = true;
        m_pending = std::move(pending);
        return {};
    }

    template <typename Options>
    Result<void> addBatchNorm(const std::string &label, const Options &options,
                              const torch::Tensor &weight, const torch::Tensor &bias,
                              const torch::Tensor &runningMean, const torch::Tensor &runningVar)
    {
        if (!options.track_running_stats() || !runningMean.defined() || !runningVar.defined())
            return fail("layer " + label + " has no running statistics");
        const std::int64_t features = options.num_features();
        auto asDouble = [](const torch::Tensor &tensor) {
            return tensor.detach().to(torch::kFloat64);
        };
        const BatchNormAffine norm = batchNormAffine(
            options.affine() ? asDouble(weight) : torch::ones({features}, torch::kFloat64),
            options.affine() ? asDouble(bias) : torch::zeros({features}, torch::kFloat64),
            asDouble(runningMean), asDouble(runningVar), options.eps());
        if (m_pending && m_pending->weight.size(0) == features) {
            foldBatchNorm(m_pending->weight, m_pending->bias, norm);
            m_pending->label += " + " + label + " folded";
            return {};
        }
        flush();
        const torch::Tensor scale = norm.scale.to(torch::kFloat32);
        const torch::Tensor shift = norm.shift.to(torch::kFloat32);
        m_steps.push_back({label, [scale, shift](const torch::Tensor &x) {
                               // Features are axis 1: {batch, features, ...}.
                               std::vector<std::int64_t> shape(std::size_t(x.dim()), 1);
                               shape[1] = scale.size(0);
                               return torch::addcmul(shift.reshape(shape), x, scale.reshape(shape));
                           }});
        return {};
    }

    Result<void> addMaxPool(const std::string &label, torch::nn::MaxPool2dImpl &pool)
    {
        const auto &options = pool.options;
        const auto kernel = toVector(*options.kernel_size());
        const auto stride = toVector(*options.stride());
        const auto padding = toVector(*options.padding());
        const auto dilation = toVector(*options.dilation());
        if (kernel == stride && padding == std::vector<std::int64_t>{0, 0}
            && dilation == std::vector<std::int64_t>{1, 1} && !options.ceil_mode()) {
            m_steps.push_back(
                {label + " (one pass)", [kh = kernel[0], kw = kernel[1]](const torch::Tensor &x) {
                     return tiledMaxPool(x, kh, kw);
                 }});
            return {};
        }
        const bool ceil = options.ceil_mode();
        m_steps.push_back(
            {label, [kernel, stride, padding, dilation, ceil](const torch::Tensor &x) {
                 return torch::max_pool2d(x, kernel, stride, padding, dilation, ceil);
             }});
        return {};
    }

    std::vector<Step> m_steps;
    std::optional<PendingAffine> m_pending;
};

/// Keeps one of each activation pair (planned out of place, then in place): in place when the
/// tensor it gets is the plan's own, never when it is (a view of) the caller's samples.
std::vector<Step> choosePlaces(std::vector<Step> planned)
{
    std::vector<Step> steps;
    bool owned = false;
    for (std::size_t i = 0; i < planned.size(); ++i) {
        if (i + 1 < planned.size() && planned[i + 1].output == Step::Output::InPlace) {
            steps.push_back(std::move(planned[owned ? i + 1 : i]));
            ++i;
        } else {
            steps.push_back(std::move(planned[i]));
        }
        owned = owned || steps.back().output == Step::Output::Fresh;
    }
    return steps;
}

} // namespace

struct InferencePlan::Steps
{
    std::vector<Step> steps;
    std::vector<std::string> description;
    std::vector<std::int64_t> sampleShape;
    bool image = false;
    std::size_t outputs = 0;
    std::size_t featureCount = 1;

    torch::Tensor apply(torch::Tensor x) const
    {
        for (const Step &step : steps)
            x = step.apply(x);
        return x;
    }
};

InferencePlan::InferencePlan() = default;
InferencePlan::~InferencePlan() = default;

Result<std::shared_ptr<const InferencePlan>> InferencePlan::compile(const Model &model)
{
    const ModelSignature &signature = model.signature();
    Network &network = *model.state().network;
    if (const auto own = network.named_parameters(false); own.size() > 0)
        return fail("the network holds parameter '" + own.begin()->key()
                    + "' of its own, outside its layers");
    Planner planner;
    for (const Layer &layer : layerChain(network))
        if (auto added = planner.add(layer); !added)
            return added.error();

    std::shared_ptr<InferencePlan> plan(new InferencePlan);
    plan->m_steps = std::make_unique<Steps>();
    Steps &steps = *plan->m_steps;
    steps.steps = choosePlaces(planner.take());
    for (const Step &step : steps.steps)
        steps.description.push_back(step.label);
    steps.sampleShape = signature.sampleShape;
    steps.image = model.state().architecture->inputKind() == InputKind::Image;
    steps.outputs = std::size_t(signature.outputs);
    for (std::int64_t extent : signature.sampleShape)
        steps.featureCount *= std::size_t(extent);

    // The plan must compute what forward() computes: checked on a probe batch.
    try {
        torch::InferenceMode inference;
        const bool wasTraining = network.is_training();
        network.eval();
        const std::int64_t probeCount = 5;
        std::vector<std::int64_t> shape{probeCount};
        shape.insert(shape.end(), signature.sampleShape.begin(), signature.sampleShape.end());
        torch::Generator generator = at::detail::createCPUGenerator(7);
        const torch::Tensor probe = torch::rand(shape, generator);
        const torch::Tensor expected = network.forward(probe.clone());
        network.train(wasTraining);
        // The whole probe batch, and its first sample alone: small batches take other ways
        // through the linear layers (linearLayer).
        for (const std::int64_t count : {probeCount, std::int64_t(1)}) {
            const torch::Tensor planned =
                steps.apply(probe.narrow(0, 0, count)
                                .reshape(chainInputShape(steps.image, count, steps.sampleShape)));
            const torch::Tensor wanted = expected.narrow(0, 0, count);
            if (!planned.sizes().equals(wanted.sizes())
                || !torch::allclose(planned, wanted, 1e-4, 1e-5))
                return fail("the network's forward() is not its layers applied in order, so "
                            "the plan would give other outputs");
        }
    } catch (const std::exception &exception) {
        return fail(std::string("the plan fails on a probe batch: ") + exception.what());
    }
    return std::shared_ptr<const InferencePlan>(std::move(plan));
}

Result<std::vector<float>> InferencePlan::run(std::span<const float> features) const
{
    const Steps &steps = *m_steps;
    const std::size_t rows = features.size() / steps.featureCount;
    if (rows * steps.featureCount != features.size())
        return fail(std::to_string(features.size()) + " values are not whole samples of "
                    + std::to_string(steps.featureCount));
    if (rows == 0)
        return std::vector<float>{};
    try {
        torch::InferenceMode inference;
        // from_blob wants a mutable pointer; no step writes to the caller's samples.
        const torch::Tensor input = torch::from_blob(
            const_cast<float *>(features.data()),
            chainInputShape(steps.image, std::int64_t(rows), steps.sampleShape), torch::kFloat32);
        const torch::Tensor output = steps.apply(input).contiguous();
        const float *values = output.data_ptr<float>();
        return std::vector<float>(values, values + output.numel());
    } catch (const std::exception &exception) {
        return fail(std::string("prediction failed: ") + exception.what());
    }
}

std::size_t InferencePlan::outputs() const
{
    return m_steps->outputs;
}

const std::vector<std::string> &InferencePlan::description() const
{
    return m_steps->description;
}

} // namespace millrace::ml

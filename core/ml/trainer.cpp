#include "core/ml/trainer.h"

#include "core/ml/mllog.h"
#include "core/ml/modelstate.h"
#include "core/ml/split.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <thread>

namespace millrace::ml {

namespace {

using Kind = HyperparameterSpec::Kind;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

double learningRateAt(const TrainingOptions &options, int epoch /* from 0 */)
{
    if (options.schedule == "step")
        return options.learningRate
               * std::pow(options.stepGamma, double(epoch / std::max(1, options.stepEpochs)));
    if (options.schedule == "cosine")
        return 0.5 * options.learningRate
               * (1 + std::cos(std::numbers::pi * epoch / std::max(1, options.epochs)));
    return options.learningRate;
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(Network &network,
                                                       const TrainingOptions &options)
{
    if (options.optimizer == "sgd")
        return std::make_unique<torch::optim::SGD>(network.parameters(),
                                                   torch::optim::SGDOptions(options.learningRate)
                                                       .momentum(options.momentum)
                                                       .weight_decay(options.weightDecay));
    return std::make_unique<torch::optim::Adam>(
        network.parameters(),
        torch::optim::AdamOptions(options.learningRate).weight_decay(options.weightDecay));
}

void setLearningRate(torch::optim::Optimizer &optimizer, double rate)
{
    for (auto &group : optimizer.param_groups())
        group.options().set_lr(rate);
}

// The targets of samples `indices` as a tensor: class indices (int64) or values (float).
torch::Tensor targetsOf(const Dataset &data, const torch::Tensor &indices)
{
    if (data.task == TaskKind::Classification) {
        const torch::Tensor all =
            torch::from_blob(const_cast<std::int64_t *>(data.classLabels.data()),
                             {std::int64_t(data.size())}, torch::kInt64);
        return all.index_select(0, indices);
    }
    const torch::Tensor all = torch::from_blob(const_cast<float *>(data.targets.data()),
                                               {std::int64_t(data.size())}, torch::kFloat32);
    return all.index_select(0, indices);
}

torch::Tensor lossOf(const Dataset &data, const torch::Tensor &outputs,
                     const torch::Tensor &targets)
{
    if (data.task == TaskKind::Classification)
        return torch::nn::functional::cross_entropy(outputs, targets);
    return torch::mse_loss(outputs.reshape({-1}), targets);
}

struct PassTotals
{
    double lossSum = 0;
    std::int64_t correct = 0;
    std::int64_t samples = 0;

    double meanLoss() const { return samples ? lossSum / double(samples) : std::nan(""); }
    double accuracy(const Dataset &data) const
    {
        return data.task == TaskKind::Classification && samples ? double(correct) / double(samples)
                                                                : std::nan("");
    }
};

// Loss and accuracy of the samples `indices` in evaluation mode, without gradients; with
// `predictions`, also each sample's predicted class (classification) or value, in order. The
// network's mode is left as it was.
PassTotals evaluatePass(Network &network, const Dataset &data, const torch::Tensor &allFeatures,
                        const std::vector<std::int64_t> &indices, torch::Device device,
                        Predictions *predictions = nullptr)
{
    PassTotals totals;
    torch::NoGradGuard noGrad;
    const bool wasTraining = network.is_training();
    network.eval();
    constexpr std::int64_t kBatch = 512;
    for (std::size_t first = 0; first < indices.size(); first += kBatch) {
        const std::int64_t count = std::min<std::int64_t>(kBatch, indices.size() - first);
        const torch::Tensor batchIndices = torch::from_blob(
            const_cast<std::int64_t *>(indices.data() + first), {count}, torch::kInt64);
        const torch::Tensor outputs =
            network.forward(allFeatures.index_select(0, batchIndices).to(device));
        const torch::Tensor targets = targetsOf(data, batchIndices).to(device);
        totals.lossSum += lossOf(data, outputs, targets).item<double>() * double(count);
        totals.samples += count;
        if (data.task == TaskKind::Classification) {
            const torch::Tensor classes = outputs.argmax(1);
            totals.correct += classes.eq(targets).sum().item<std::int64_t>();
            if (predictions) {
                const torch::Tensor onCpu = classes.to(torch::kCPU).contiguous();
                const auto *values = onCpu.data_ptr<std::int64_t>();
                predictions->classes.insert(predictions->classes.end(), values, values + count);
            }
        } else if (predictions) {
            const torch::Tensor onCpu = outputs.reshape({-1}).to(torch::kCPU).contiguous();
            const auto *values = onCpu.data_ptr<float>();
            predictions->values.insert(predictions->values.end(), values, values + count);
        }
    }
    network.train(wasTraining);
    return totals;
}

std::vector<torch::Tensor> copyState(Network &network)
{
    std::vector<torch::Tensor> state;
    torch::NoGradGuard noGrad;
    for (const torch::Tensor &parameter : network.parameters())
        state.push_back(parameter.detach().clone());
    for (const torch::Tensor &buffer : network.buffers())
        state.push_back(buffer.detach().clone());
    return state;
}

void restoreState(Network &network, const std::vector<torch::Tensor> &state)
{
    torch::NoGradGuard noGrad;
    std::size_t i = 0;
    for (torch::Tensor &parameter : network.parameters())
        parameter.copy_(state[i++]);
    for (torch::Tensor &buffer : network.buffers())
        buffer.copy_(state[i++]);
}

} // namespace

SearchSpace trainingSearchSpace()
{
    const TrainingOptions defaults;
    return {
        {"learning_rate",
         Kind::Real,
         1e-5,
         1.0,
         true,
         {},
         defaults.learningRate,
         "step size of the optimiser"},
        {"batch_size",
         Kind::Integer,
         8,
         1024,
         true,
         {},
         std::int64_t(defaults.batchSize),
         "samples per gradient step"},
        {"optimizer",
         Kind::Choice,
         0,
         0,
         false,
         {"adam", "sgd"},
         defaults.optimizer,
         "Adam, or SGD with momentum"},
        {"epochs",
         Kind::Integer,
         1,
         200,
         false,
         {},
         std::int64_t(defaults.epochs),
         "passes over the training data"},
        {"weight_decay",
         Kind::Real,
         0,
         0.1,
         false,
         {},
         defaults.weightDecay,
         "L2 penalty on the weights"},
    };
}

Result<TrainingOptions> withTrainingHyperparameters(TrainingOptions base,
                                                    const Hyperparameters &values)
{
    const SearchSpace space = trainingSearchSpace();
    Hyperparameters known;
    for (const auto &[name, value] : values) {
        bool declared = false;
        for (const HyperparameterSpec &spec : space)
            declared = declared || spec.name == name;
        if (!declared)
            return fail("unknown training hyperparameter '" + name + "'");
        known[name] = value;
    }
    auto resolved = resolveHyperparameters(space, known);
    if (!resolved)
        return resolved.error();
    if (values.count("learning_rate"))
        base.learningRate = hyperValue<double>(*resolved, "learning_rate");
    if (values.count("batch_size"))
        base.batchSize = int(hyperValue<std::int64_t>(*resolved, "batch_size"));
    if (values.count("optimizer"))
        base.optimizer = hyperValue<std::string>(*resolved, "optimizer");
    if (values.count("epochs"))
        base.epochs = int(hyperValue<std::int64_t>(*resolved, "epochs"));
    if (values.count("weight_decay"))
        base.weightDecay = hyperValue<double>(*resolved, "weight_decay");
    return base;
}

Result<void> validate(const TrainingOptions &options)
{
    if (options.epochs < 1)
        return fail("epochs must be at least 1");
    if (options.batchSize < 1)
        return fail("the batch size must be at least 1");
    if (options.optimizer != "adam" && options.optimizer != "sgd")
        return fail("unknown optimizer '" + options.optimizer + "' (adam or sgd)");
    if (!(options.learningRate > 0) || !std::isfinite(options.learningRate))
        return fail("the learning rate must be a positive number");
    if (options.schedule != "constant" && options.schedule != "step"
        && options.schedule != "cosine")
        return fail("unknown learning-rate schedule '" + options.schedule
                    + "' (constant, step or cosine)");
    if (!(options.validationFraction >= 0 && options.validationFraction < 1))
        return fail("the validation share must be in [0, 1)");
    if (options.patience < 0)
        return fail("the patience must not be negative");
    if (options.device != "cpu" && options.device != "cuda" && options.device != "auto")
        return fail("unknown device '" + options.device + "' (cpu, cuda or auto)");
    if (options.device == "cuda" && !torch::cuda::is_available())
        return fail("CUDA was asked for, but this LibTorch build or machine has none");
    return {};
}

Result<TrainingSummary> train(Model &model, const Dataset &data, const TrainingOptions &options,
                              TrainingObserver *observer)
{
    if (auto valid = validate(options); !valid)
        return valid.error();
    if (!data.hasLabels() || data.size() == 0)
        return fail("training needs labelled samples");
    if (auto fits = model.signature().accepts(data); !fits)
        return fits.error();

    const bool useCuda =
        options.device == "cuda" || (options.device == "auto" && torch::cuda::is_available());
    const torch::Device device = useCuda ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    // Debian's LibTorch starts with one intra-op thread, not one per core: "0" asks for the
    // cores explicitly. The setting belongs to the calling thread (OpenMP), so it is made here.
    at::set_num_threads(options.intraOpThreads > 0
                            ? options.intraOpThreads
                            : int(std::max(1u, std::thread::hardware_concurrency())));
    torch::manual_seed(options.seed);

    // Validation share and batch order come from our own seeded generator, the same on every
    // machine; LibTorch's generator (seeded above) covers initial weights and dropout.
    SplitMix64 generator(options.seed);
    std::vector<std::size_t> order(data.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    shuffleIndices(order, generator);
    const auto validationCount =
        std::size_t(std::llround(options.validationFraction * double(data.size())));
    if (validationCount > 0 && validationCount >= data.size())
        return fail("the validation share leaves no samples to train on");
    std::vector<std::int64_t> validation(order.begin(), order.begin() + validationCount);
    std::vector<std::int64_t> training(order.begin() + validationCount, order.end());

    Network &network = *model.state().network;
    network.to(device);
    network.train();
    auto optimizer = makeOptimizer(network, options);
    const torch::Tensor allFeatures = featureView(data, 0, data.size());
    const auto batchSize = std::size_t(options.batchSize);
    const std::size_t batches = (training.size() + batchSize - 1) / batchSize;

    TrainingSummary summary;
    summary.device = useCuda ? "cuda" : "cpu";
    double bestValidationLoss = std::numeric_limits<double>::infinity();
    std::vector<torch::Tensor> bestState;
    int epochsWithoutImprovement = 0;
    const auto started = Clock::now();
    std::int64_t samplesTrained = 0;

    auto finish = [&](TrainingOutcome outcome) -> Result<TrainingSummary> {
        if (!bestState.empty() && outcome != TrainingOutcome::Cancelled)
            restoreState(network, bestState);
        network.to(torch::kCPU);
        network.eval();
        summary.outcome = outcome;
        summary.samplesPerSecond = double(samplesTrained) / std::max(1e-9, secondsSince(started));
        return summary;
    };

    for (int epoch = 0; epoch < options.epochs; ++epoch) {
        const auto epochStarted = Clock::now();
        const double rate = learningRateAt(options, epoch);
        setLearningRate(*optimizer, rate);
        // A fresh order every epoch, drawn from the same seeded generator.
        std::vector<std::size_t> shuffled(training.size());
        for (std::size_t i = 0; i < shuffled.size(); ++i)
            shuffled[i] = i;
        shuffleIndices(shuffled, generator);
        std::vector<std::int64_t> epochOrder(training.size());
        for (std::size_t i = 0; i < shuffled.size(); ++i)
            epochOrder[i] = training[shuffled[i]];

        PassTotals totals;
        for (std::size_t batch = 0; batch < batches; ++batch) {
            if (observer && observer->stopRequested())
                return finish(TrainingOutcome::Cancelled);
            const std::size_t first = batch * batchSize;
            const auto count = std::int64_t(std::min(batchSize, epochOrder.size() - first));
            const torch::Tensor indices =
                torch::from_blob(epochOrder.data() + first, {count}, torch::kInt64);
            const torch::Tensor inputs = allFeatures.index_select(0, indices).to(device);
            const torch::Tensor targets = targetsOf(data, indices).to(device);

            optimizer->zero_grad();
            const torch::Tensor outputs = network.forward(inputs);
            const torch::Tensor loss = lossOf(data, outputs, targets);
            const double lossValue = loss.item<double>();
            if (!std::isfinite(lossValue)) {
                network.to(torch::kCPU);
                return fail("the loss became "
                            + std::string(std::isnan(lossValue) ? "NaN" : "infinite") + " at epoch "
                            + std::to_string(epoch + 1) + ", batch " + std::to_string(batch + 1)
                            + ": the learning rate may be too high, or the data holds NaN values");
            }
            loss.backward();
            optimizer->step();

            totals.lossSum += lossValue * double(count);
            totals.samples += count;
            samplesTrained += count;
            if (data.task == TaskKind::Classification)
                totals.correct += outputs.argmax(1).eq(targets).sum().item<std::int64_t>();
            if (observer)
                observer->onBatch({epoch + 1, options.epochs, batch + 1, batches, lossValue});
        }

        EpochMetrics metrics;
        metrics.epoch = epoch + 1;
        metrics.trainLoss = totals.meanLoss();
        metrics.trainAccuracy = totals.accuracy(data);
        metrics.learningRate = rate;
        metrics.validationLoss = std::nan("");
        metrics.validationAccuracy = std::nan("");
        bool improved = true;
        if (!validation.empty()) {
            const PassTotals checked = evaluatePass(network, data, allFeatures, validation, device);
            metrics.validationLoss = checked.meanLoss();
            metrics.validationAccuracy = checked.accuracy(data);
            improved = metrics.validationLoss < bestValidationLoss;
            if (improved) {
                bestValidationLoss = metrics.validationLoss;
                bestState = copyState(network);
            }
        }
        metrics.seconds = secondsSince(epochStarted);
        metrics.samplesPerSecond = double(totals.samples) / std::max(1e-9, metrics.seconds);
        summary.epochs.push_back(metrics);
        if (improved)
            summary.bestEpoch = epoch + 1;
        if (observer)
            observer->onEpoch(metrics);

        if (!options.checkpointDirectory.empty()) {
            network.to(torch::kCPU);
            const auto saved = model.save(options.checkpointDirectory);
            network.to(device);
            if (!saved)
                return fail("could not write the checkpoint: " + saved.error().message);
        }
        epochsWithoutImprovement = improved ? 0 : epochsWithoutImprovement + 1;
        if (options.patience > 0 && epochsWithoutImprovement >= options.patience)
            return finish(TrainingOutcome::EarlyStopped);
    }
    return finish(TrainingOutcome::Finished);
}

Result<Predictions> predictWithLoss(const Model &model, const Dataset &data)
{
    if (!data.hasLabels())
        return fail("evaluation needs labelled samples");
    if (auto fits = model.signature().accepts(data); !fits)
        return fits.error();
    std::vector<std::int64_t> all(data.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = std::int64_t(i);
    Predictions predictions;
    const PassTotals totals =
        evaluatePass(*model.state().network, data, featureView(data, 0, data.size()), all,
                     torch::Device(torch::kCPU), &predictions);
    predictions.meanLoss = totals.meanLoss();
    return predictions;
}

} // namespace millrace::ml

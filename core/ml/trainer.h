#pragma once

#include "core/ml/dataset.h"
#include "core/ml/hyperparameters.h"
#include "core/ml/mlresult.h"

#include <cstdint>
#include <string>
#include <vector>

namespace millrace::ml {

class Model;

/// How a model is trained. The defaults suit a small CNN on Fashion-MNIST.
struct TrainingOptions
{
    int epochs = 5;
    int batchSize = 64;
    std::string optimizer = "adam"; ///< "adam" or "sgd"
    double learningRate = 1e-3;
    double momentum = 0.9; ///< SGD only
    double weightDecay = 0;
    /// Learning rate per epoch: "constant", "step" (times stepGamma every stepEpochs epochs)
    /// or "cosine" (down to zero over the epochs).
    std::string schedule = "constant";
    int stepEpochs = 2;
    double stepGamma = 0.5;
    /// Share of the training data held out to pick the best epoch and stop early (0: none).
    double validationFraction = 0;
    /// Epochs without a better validation loss before stopping (0: never stop early).
    int patience = 0;
    /// Fixes the validation split, the batch order and dropout (initial weights are fixed by
    /// Model::create()'s seed). Dropout draws from LibTorch's one global generator, so runs
    /// repeat exactly when one training runs at a time.
    std::uint64_t seed = 42;
    /// Threads LibTorch uses inside one operation (0: one per core).
    int intraOpThreads = 0;
    /// "cpu", "cuda" or "auto" (CUDA when this LibTorch build and the machine have it).
    std::string device = "auto";
    /// A folder the model is saved to at each epoch end (Model::save()), or "" for none.
    std::string checkpointDirectory;
};

/// The training options a hyperparameter search may vary: learning_rate, batch_size,
/// optimizer, epochs and weight_decay, with defaults from TrainingOptions.
SearchSpace trainingSearchSpace();
/// `base` with the values named as in trainingSearchSpace() applied; fails on an unknown name
/// or a bad value.
Result<TrainingOptions> withTrainingHyperparameters(TrainingOptions base,
                                                    const Hyperparameters &values);
/// Checks the options make sense (positive epochs and batch size, a known optimizer, ...).
Result<void> validate(const TrainingOptions &options);

/// Progress after one batch.
struct BatchProgress
{
    int epoch = 0; ///< from 1
    int epochs = 0;
    std::size_t batch = 0; ///< from 1
    std::size_t batches = 0;
    double loss = 0; ///< this batch's mean loss
};

/// What one epoch gave. Accuracies are NaN for regression; validation figures NaN without a
/// validation share.
struct EpochMetrics
{
    int epoch = 0; ///< from 1
    double trainLoss = 0;
    double trainAccuracy = 0;
    double validationLoss = 0;
    double validationAccuracy = 0;
    double learningRate = 0;
    double seconds = 0;
    double samplesPerSecond = 0;
};

/// Hears from the training loop on its thread, and is asked between batches whether to stop.
class TrainingObserver
{
public:
    virtual ~TrainingObserver() = default;
    virtual void onBatch(const BatchProgress &) {}
    virtual void onEpoch(const EpochMetrics &) {}
    /// True stops training before the next batch; the summary then says Cancelled.
    virtual bool stopRequested() const { return false; }
};

/// How training ended.
enum class TrainingOutcome {
    Finished,     ///< all epochs ran
    EarlyStopped, ///< validation loss stopped improving
    Cancelled     ///< the observer asked to stop; the weights are those of mid-training
};

struct TrainingSummary
{
    TrainingOutcome outcome = TrainingOutcome::Finished;
    std::vector<EpochMetrics> epochs;
    /// With a validation share, the epoch whose weights the model keeps (the lowest validation
    /// loss); else the last epoch.
    int bestEpoch = 0;
    double samplesPerSecond = 0; ///< over all epochs
    std::string device;          ///< "cpu" or "cuda"
};

/// Trains `model` in place on the labelled `data`, which must fit its signature. Fails with the
/// reason on bad options or data, and when the loss becomes NaN or infinite (the model is then
/// unusable). Runs on the calling thread; call it from a worker.
Result<TrainingSummary> train(Model &model, const Dataset &data, const TrainingOptions &options,
                              TrainingObserver *observer = nullptr);

/// Loss and predictions of `model` over `data` (labelled): the mean loss as training computes
/// it, and the predicted class (classification) or value (regression) of each sample.
struct Predictions
{
    double meanLoss = 0;
    std::vector<std::int64_t> classes; ///< classification
    std::vector<float> values;         ///< regression
};
Result<Predictions> predictWithLoss(const Model &model, const Dataset &data);

} // namespace millrace::ml

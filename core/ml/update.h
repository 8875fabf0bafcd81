#pragma once

#include "core/ml/dataset.h"
#include "core/ml/mlresult.h"
#include "core/ml/model.h"
#include "core/ml/trainer.h"

#include <cstddef>

namespace millrace::ml {

/// How a model is updated with new data (seed 000's incremental update, seed 002's retrain
/// every N messages).
struct UpdateOptions
{
    /// How the copy of the current model is trained on the mixed data.
    TrainingOptions training;
    /// Share of the mixed data drawn from the original training data, in [0, 1): 0.5 adds as
    /// many old samples as there are new ones. Replaying old data is the remedy for
    /// catastrophic forgetting when a batch holds only a few classes.
    double replayShare = 0.5;
};

/// What an update produced. `model` is a new model; the current one is left as it was, so it
/// keeps serving until a decision rule (evaluation.h) says the update is better.
struct UpdateResult
{
    Model model;
    TrainingSummary summary;
    std::size_t newSamples = 0;
    std::size_t replaySamples = 0;
};

/// Trains a copy of `current` on `newData` mixed with samples drawn (seeded by
/// options.training.seed) from `replaySource`, the data the model was first trained on.
/// Fails when the data does not fit the model, the replay share is out of range, or training
/// fails; a cancelled update returns the summary with outcome Cancelled.
Result<UpdateResult> updateModel(const Model &current, const Dataset &newData,
                                 const Dataset &replaySource, const UpdateOptions &options,
                                 TrainingObserver *observer = nullptr);

} // namespace millrace::ml

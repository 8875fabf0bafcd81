#pragma once

#include "core/base/result.h"
#include "core/ml/dataset.h"
#include "core/training/trainingrequest.h"

#include <string>

namespace millrace::training {

/// The data of one training job, ready for the engine.
struct TrainingData
{
    ml::Dataset train;
    ml::Dataset test;
    /// The fitted preprocessing (TabularPreprocessor::toJson()) for CSV data; "" for images.
    std::string preprocessing;
    /// One line for the run's params, e.g. "fashion-mnist, 12000 train / 10000 test".
    QString description;
};

/// Reads and splits the data `spec` names. Fails with a message naming the file and what is
/// wrong (a truncated or corrupt IDX file, a CSV with missing columns or non-numeric values).
Result<TrainingData> loadTrainingData(const DataSpec &spec);

} // namespace millrace::training

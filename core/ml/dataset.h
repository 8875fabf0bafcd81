#pragma once

#include "core/ml/mlresult.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace millrace::ml {

/// What a dataset's labels mean: a class index (cross-entropy) or a real value (regression).
enum class TaskKind { Classification, Regression };

/// Samples in memory, the one form the trainer and evaluator consume whatever the source (IDX
/// files, a CSV with a schema, a batch drained from Kafka). Features are float32, row-major,
/// one sample after another, so they map onto a tensor of shape {size(), sampleShape...}
/// without a copy. Labels are either class indices or regression targets; a dataset with
/// neither is unlabelled (inputs to score).
struct Dataset
{
    /// Shape of one sample's features, e.g. {28, 28} for an image or {12} for a table row.
    std::vector<std::int64_t> sampleShape;
    /// size() * featureCount() values; sample i starts at i * featureCount().
    std::vector<float> features;
    TaskKind task = TaskKind::Classification;
    /// Classification: one class index per sample, each in [0, classCount).
    std::vector<std::int64_t> classLabels;
    /// Regression: one target per sample.
    std::vector<float> targets;
    /// Number of classes (classification), 0 for regression.
    std::int64_t classCount = 0;
    /// Optional display names of the classes, classCount of them when present.
    std::vector<std::string> classNames;

    /// Number of values in one sample: the product of sampleShape.
    std::size_t featureCount() const;
    /// Number of samples.
    std::size_t size() const;
    /// Whether every sample carries a label or target.
    bool hasLabels() const;
    /// The samples at the given indices, in that order (indices may repeat). Indices must be
    /// below size(); out-of-range ones are a programmer error and throw std::out_of_range.
    Dataset subset(const std::vector<std::size_t> &indices) const;
    /// Checks the fields agree with each other (sizes, label count and range, class names),
    /// naming the first thing that does not.
    Result<void> validate() const;
};

/// The samples of `first` followed by those of `second`, e.g. a new batch plus a replay share
/// of the original training data. Fails unless both have the same sample shape, task, class
/// count and labelling.
Result<Dataset> concatenate(const Dataset &first, const Dataset &second);

} // namespace millrace::ml

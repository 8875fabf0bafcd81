#pragma once

#include "core/ml/dataset.h"
#include "core/ml/mlresult.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace millrace::ml {

/// Where one sample came from: a Kafka message's topic, partition and offset.
struct MessagePosition
{
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
};

/// The offsets of one topic partition that a batch holds, first and last inclusive.
struct OffsetRange
{
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t firstOffset = 0;
    std::int64_t lastOffset = 0;
    /// Samples from this partition in the batch.
    std::size_t sampleCount = 0;

    bool operator==(const OffsetRange &) const = default;
};

/// Samples drained from Kafka (or any stream) into memory, one at a time, before training on
/// them: each sample's features and label, and for every topic partition the range of offsets
/// they came from, so the batch can be archived with its provenance and the run that used it.
/// All samples share one feature shape and one kind of label.
class SampleBatch
{
public:
    /// A batch of classification samples with `classCount` classes.
    static SampleBatch forClassification(std::vector<std::int64_t> sampleShape,
                                         std::int64_t classCount,
                                         std::vector<std::string> classNames = {});
    /// A batch of regression samples.
    static SampleBatch forRegression(std::vector<std::int64_t> sampleShape);

    /// Adds a classification sample. Fails, leaving the batch unchanged, when the batch is for
    /// regression, the feature count does not match the sample shape, a feature is not
    /// finite, or the class is outside [0, classCount).
    Result<void> appendClass(std::span<const float> features, std::int64_t classIndex);
    /// Adds a classification sample that came from `position`. Also fails when the offset is
    /// not after the last one already taken from that topic partition (a redelivery).
    Result<void> appendClass(std::span<const float> features, std::int64_t classIndex,
                             const MessagePosition &position);
    /// Adds a regression sample; fails as appendClass does, and on a non-finite target.
    Result<void> appendTarget(std::span<const float> features, float target);
    /// Adds a regression sample that came from `position`.
    Result<void> appendTarget(std::span<const float> features, float target,
                              const MessagePosition &position);

    /// Number of samples.
    std::size_t size() const { return m_data.size(); }
    bool isEmpty() const { return m_data.size() == 0; }
    TaskKind task() const { return m_data.task; }
    const std::vector<std::int64_t> &sampleShape() const { return m_data.sampleShape; }
    /// Per topic partition, the offsets the samples came from, in order of first appearance.
    const std::vector<OffsetRange> &offsetRanges() const { return m_ranges; }
    /// The samples as the dataset the trainer consumes.
    const Dataset &dataset() const { return m_data; }
    /// Hands the samples over without a copy, leaving the batch empty.
    Dataset takeDataset();

private:
    SampleBatch() = default;
    Result<void> append(std::span<const float> features, bool classification,
                        std::int64_t classIndex, float target, const MessagePosition *position);

    Dataset m_data;
    std::vector<OffsetRange> m_ranges;
};

} // namespace millrace::ml

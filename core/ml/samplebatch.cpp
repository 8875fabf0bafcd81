#include "core/ml/samplebatch.h"

#include <cmath>

namespace millrace::ml {

SampleBatch SampleBatch::forClassification(std::vector<std::int64_t> sampleShape,
                                           std::int64_t classCount,
                                           std::vector<std::string> classNames)
{
    SampleBatch batch;
    batch.m_data.sampleShape = std::move(sampleShape);
    batch.m_data.task = TaskKind::Classification;
    batch.m_data.classCount = classCount;
    batch.m_data.classNames = std::move(classNames);
    return batch;
}

SampleBatch SampleBatch::forRegression(std::vector<std::int64_t> sampleShape)
{
    SampleBatch batch;
    batch.m_data.sampleShape = std::move(sampleShape);
    batch.m_data.task = TaskKind::Regression;
    return batch;
}

Result<void> SampleBatch::appendClass(std::span<const float> features, std::int64_t classIndex)
{
    return append(features, true, classIndex, 0.0f, nullptr);
}

Result<void> SampleBatch::appendClass(std::span<const float> features, std::int64_t classIndex,
                                      const MessagePosition &position)
{
    return append(features, true, classIndex, 0.0f, &position);
}

Result<void> SampleBatch::appendTarget(std::span<const float> features, float target)
{
    return append(features, false, 0, target, nullptr);
}

Result<void> SampleBatch::appendTarget(std::span<const float> features, float target,
                                       const MessagePosition &position)
{
    return append(features, false, 0, target, &position);
}

Result<void> SampleBatch::append(std::span<const float> features, bool classification,
                                 std::int64_t classIndex, float target,
                                 const MessagePosition *position)
{
    const std::string where = position ? position->topic + "/" + std::to_string(position->partition)
                                             + "@" + std::to_string(position->offset) + ": "
                                       : std::string();
    if (classification != (m_data.task == TaskKind::Classification))
        return fail(where
                    + (m_data.task == TaskKind::Classification
                           ? "a regression target added to a classification batch"
                           : "a class label added to a regression batch"));
    if (m_data.featureCount() == 0)
        return fail(where + "the batch has no valid sample shape");
    if (features.size() != m_data.featureCount())
        return fail(where + "sample has " + std::to_string(features.size())
                    + " features, the batch expects " + std::to_string(m_data.featureCount()));
    for (std::size_t i = 0; i < features.size(); ++i) {
        if (!std::isfinite(features[i]))
            return fail(where + "feature " + std::to_string(i) + " is not a finite number");
    }
    if (m_data.task == TaskKind::Classification) {
        if (classIndex < 0 || classIndex >= m_data.classCount)
            return fail(where + "class " + std::to_string(classIndex) + " is outside [0, "
                        + std::to_string(m_data.classCount) + ")");
    } else if (!std::isfinite(target)) {
        return fail(where + "target is not a finite number");
    }

    // Checked before anything changes, so a refused sample leaves the batch as it was.
    OffsetRange *range = nullptr;
    if (position) {
        for (OffsetRange &candidate : m_ranges) {
            if (candidate.topic == position->topic && candidate.partition == position->partition)
                range = &candidate;
        }
        if (range && position->offset <= range->lastOffset)
            return fail(where + "offset is not after " + std::to_string(range->lastOffset)
                        + ", already in the batch from this partition");
    }

    m_data.features.insert(m_data.features.end(), features.begin(), features.end());
    if (m_data.task == TaskKind::Classification)
        m_data.classLabels.push_back(classIndex);
    else
        m_data.targets.push_back(target);
    if (position) {
        if (range) {
            range->lastOffset = position->offset;
            ++range->sampleCount;
        } else {
            m_ranges.push_back(OffsetRange{position->topic, position->partition, position->offset,
                                           position->offset, 1});
        }
    }
    return {};
}

Dataset SampleBatch::takeDataset()
{
    Dataset taken = std::move(m_data);
    m_data = Dataset();
    m_data.sampleShape = taken.sampleShape;
    m_data.task = taken.task;
    m_data.classCount = taken.classCount;
    m_data.classNames = taken.classNames;
    m_ranges.clear();
    return taken;
}

} // namespace millrace::ml

#include "core/ml/dataset.h"

#include <algorithm>
#include <stdexcept>

namespace millrace::ml {

namespace {

std::string shapeText(const std::vector<std::int64_t> &shape)
{
    std::string text = "{";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0)
            text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + "}";
}

const char *taskName(TaskKind task)
{
    return task == TaskKind::Classification ? "classification" : "regression";
}

} // namespace

std::size_t Dataset::featureCount() const
{
    if (sampleShape.empty())
        return 0;
    std::size_t count = 1;
    for (const std::int64_t dimension : sampleShape)
        count *= dimension > 0 ? static_cast<std::size_t>(dimension) : 0;
    return count;
}

std::size_t Dataset::size() const
{
    const std::size_t perSample = featureCount();
    return perSample == 0 ? 0 : features.size() / perSample;
}

bool Dataset::hasLabels() const
{
    return task == TaskKind::Classification ? !classLabels.empty() : !targets.empty();
}

Dataset Dataset::subset(const std::vector<std::size_t> &indices) const
{
    const std::size_t perSample = featureCount();
    const std::size_t count = size();
    Dataset result;
    result.sampleShape = sampleShape;
    result.task = task;
    result.classCount = classCount;
    result.classNames = classNames;
    result.features.reserve(indices.size() * perSample);
    const bool copyClasses = classLabels.size() == count && !classLabels.empty();
    const bool copyTargets = targets.size() == count && !targets.empty();
    if (copyClasses)
        result.classLabels.reserve(indices.size());
    if (copyTargets)
        result.targets.reserve(indices.size());
    for (const std::size_t index : indices) {
        if (index >= count)
            throw std::out_of_range("Dataset::subset: index " + std::to_string(index)
                                    + " is not below the dataset's " + std::to_string(count)
                                    + " samples");
        const auto begin = features.begin() + static_cast<std::ptrdiff_t>(index * perSample);
        result.features.insert(result.features.end(), begin,
                               begin + static_cast<std::ptrdiff_t>(perSample));
        if (copyClasses)
            result.classLabels.push_back(classLabels[index]);
        if (copyTargets)
            result.targets.push_back(targets[index]);
    }
    return result;
}

Result<void> Dataset::validate() const
{
    if (sampleShape.empty())
        return fail("dataset has no sample shape");
    for (const std::int64_t dimension : sampleShape) {
        if (dimension <= 0)
            return fail("dataset sample shape " + shapeText(sampleShape)
                        + " has a dimension that is not positive");
    }
    const std::size_t perSample = featureCount();
    if (features.size() % perSample != 0)
        return fail("dataset has " + std::to_string(features.size())
                    + " feature values, not a multiple of the " + std::to_string(perSample)
                    + " values in one sample of shape " + shapeText(sampleShape));
    const std::size_t count = size();
    if (task == TaskKind::Classification) {
        if (!targets.empty())
            return fail("classification dataset carries regression targets");
        if (classCount <= 0)
            return fail("classification dataset has no classes");
        if (!classLabels.empty() && classLabels.size() != count)
            return fail("dataset has " + std::to_string(count) + " samples but "
                        + std::to_string(classLabels.size()) + " class labels");
        for (std::size_t i = 0; i < classLabels.size(); ++i) {
            if (classLabels[i] < 0 || classLabels[i] >= classCount)
                return fail("sample " + std::to_string(i) + " has class "
                            + std::to_string(classLabels[i]) + ", outside [0, "
                            + std::to_string(classCount) + ")");
        }
        if (!classNames.empty() && classNames.size() != static_cast<std::size_t>(classCount))
            return fail("dataset has " + std::to_string(classCount) + " classes but "
                        + std::to_string(classNames.size()) + " class names");
    } else {
        if (!classLabels.empty())
            return fail("regression dataset carries class labels");
        if (classCount != 0 || !classNames.empty())
            return fail("regression dataset declares classes");
        if (!targets.empty() && targets.size() != count)
            return fail("dataset has " + std::to_string(count) + " samples but "
                        + std::to_string(targets.size()) + " targets");
    }
    return {};
}

Result<Dataset> concatenate(const Dataset &first, const Dataset &second)
{
    if (const Result<void> valid = first.validate(); !valid)
        return fail("first dataset: " + valid.errorMessage());
    if (const Result<void> valid = second.validate(); !valid)
        return fail("second dataset: " + valid.errorMessage());
    if (first.sampleShape != second.sampleShape)
        return fail("cannot concatenate datasets of sample shapes " + shapeText(first.sampleShape)
                    + " and " + shapeText(second.sampleShape));
    if (first.task != second.task)
        return fail(std::string("cannot concatenate a ") + taskName(first.task) + " dataset and a "
                    + taskName(second.task) + " one");
    if (first.classCount != second.classCount)
        return fail("cannot concatenate datasets of " + std::to_string(first.classCount) + " and "
                    + std::to_string(second.classCount) + " classes");
    if (!first.classNames.empty() && !second.classNames.empty()
        && first.classNames != second.classNames)
        return fail("cannot concatenate datasets whose classes have different names");
    // An empty dataset has no labels to disagree with; otherwise both sides must be labelled
    // alike so the result stays one label per sample.
    const bool firstLabelled = first.hasLabels() || first.size() == 0;
    const bool secondLabelled = second.hasLabels() || second.size() == 0;
    if (first.hasLabels() != second.hasLabels() && !(firstLabelled && secondLabelled))
        return fail("cannot concatenate a labelled dataset and an unlabelled one");

    Dataset result = first;
    if (result.classNames.empty())
        result.classNames = second.classNames;
    result.features.insert(result.features.end(), second.features.begin(), second.features.end());
    result.classLabels.insert(result.classLabels.end(), second.classLabels.begin(),
                              second.classLabels.end());
    result.targets.insert(result.targets.end(), second.targets.begin(), second.targets.end());
    return result;
}

} // namespace millrace::ml

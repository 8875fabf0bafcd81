#include "core/streams/holdout.h"

#include "core/ml/idx.h"
#include "core/ml/split.h"

namespace millrace::streams {

Result<std::shared_ptr<const ml::Dataset>> loadFashionMnistHoldout(const QString &directory)
{
    const std::string folder =
        directory.isEmpty() ? ml::fashionMnistDefaultDirectory() : directory.toStdString();
    ml::Result<ml::Dataset> train = ml::readFashionMnist(folder, ml::FashionMnistPart::Train);
    if (!train)
        return fail(QString::fromStdString(train.error().message));
    ml::Result<ml::DatasetSplit> split =
        ml::splitIndices(train->size(), {0.9, 0.0, 0.1}, kHoldoutSplitSeed);
    if (!split)
        return fail(QString::fromStdString(split.error().message));
    return std::shared_ptr<const ml::Dataset>(
        std::make_shared<ml::Dataset>(train->subset(split->holdout)));
}

SimulatorSource fashionMnistSource(std::shared_ptr<const ml::Dataset> holdout)
{
    SimulatorSource source;
    source.samples = std::move(holdout);
    source.idPrefix = QStringLiteral("fmnist");
    return source;
}

} // namespace millrace::streams

#pragma once

#include "core/base/cancellation.h"
#include "core/base/result.h"

#include <QJsonObject>
#include <QString>

#include <cstdint>
#include <functional>

namespace millrace::pipeline {

/// Seed 000's train / test / stream-holdout split of Fashion-MNIST as a workspace keeps it: the
/// package's training images without the stream-holdout (the part streams::
/// loadFashionMnistHoldout() publishes) as the training part, the package's 10,000 test images
/// as the fixed test set. The folder holds IDX files under the package's names, so a training
/// request reads it like the package's folder, plus split.json describing the split.
struct PreparedSplit
{
    /// The prepared folder, <workspace>/data/fashion-mnist.
    QString directory;
    /// The package folder it was made from.
    QString sourceDirectory;
    qint64 train = 0;
    qint64 test = 0;
    qint64 holdout = 0;
    std::uint64_t seed = 0;
    /// True when an earlier preparation was found whole and kept.
    bool reused = false;

    /// split.json's contents.
    QJsonObject toJson() const;
};

/// Where a workspace keeps the prepared split: <root>/data/fashion-mnist.
QString preparedSplitDirectory(const QString &workspaceRoot);

/// The split prepared in `directory`; fails, saying to run prepare_data, when there is none or
/// its files are missing or of another size than written.
Result<PreparedSplit> readPreparedSplit(const QString &directory);

/// Reads and checks the four Fashion-MNIST files in `sourceDirectory` (the package's folder when
/// empty), splits the training images with the holdout seed and writes the training part and
/// the test set into the workspace's prepared folder: into a hidden folder first, renamed into
/// place when whole. A folder prepared earlier from the same files is kept unless `rewrite`.
/// Blocks for a few seconds (about 80 MB to decompress and 45 MB to compress): call it from a
/// worker. `progress` gets the share done and the step.
Result<PreparedSplit>
prepareFashionMnistSplit(const QString &sourceDirectory, const QString &workspaceRoot, bool rewrite,
                         const CancellationToken &cancellation,
                         const std::function<void(double, const QString &)> &progress = {});

} // namespace millrace::pipeline

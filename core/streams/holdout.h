#pragma once

#include "core/base/result.h"
#include "core/streams/simulator.h"

#include <QString>

#include <cstdint>
#include <memory>

namespace millrace::streams {

/// The split seed 000's pipeline uses for train / test / stream-holdout.
inline constexpr std::uint64_t kHoldoutSplitSeed = 42;

/// The stream-holdout of Fashion-MNIST: the training images that seed 000 keeps back to stream
/// in later, i.e. the holdout part of ml::splitIndices(count, {0.9, 0.0, 0.1}, 42) over the
/// train files in `directory` (Debian's dataset-fashion-mnist folder when empty). Reads and
/// decompresses about 50 MB: call it off the GUI thread.
Result<std::shared_ptr<const ml::Dataset>> loadFashionMnistHoldout(const QString &directory = {});

/// A simulator source publishing `holdout` as the drain's default records, with ids
/// "fmnist-<sample>-<sequence>".
SimulatorSource fashionMnistSource(std::shared_ptr<const ml::Dataset> holdout);

} // namespace millrace::streams

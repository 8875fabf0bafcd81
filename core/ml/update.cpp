#include "core/ml/update.h"

#include "core/ml/split.h"

#include <cmath>

namespace millrace::ml {

Result<UpdateResult> updateModel(const Model &current, const Dataset &newData,
                                 const Dataset &replaySource, const UpdateOptions &options,
                                 TrainingObserver *observer)
{
    if (!(options.replayShare >= 0 && options.replayShare < 1))
        return fail("the replay share must be in [0, 1)");
    if (newData.size() == 0 || !newData.hasLabels())
        return fail("an update needs labelled new samples");
    if (auto fits = current.signature().accepts(newData); !fits)
        return fail("the new data does not fit the model: " + fits.error().message);

    // replay / (new + replay) = share.
    const auto wanted = std::size_t(
        std::llround(double(newData.size()) * options.replayShare / (1 - options.replayShare)));
    const std::size_t replayCount = replaySource.size() == 0 ? 0 : wanted;
    if (wanted > 0 && replaySource.size() == 0)
        return fail("a replay share was asked for, but there is no original data to replay");
    Dataset mixed = newData;
    if (replayCount > 0) {
        if (auto fits = current.signature().accepts(replaySource); !fits)
            return fail("the replay data does not fit the model: " + fits.error().message);
        // Without repeats while the source has enough samples; a small source is cycled.
        SplitMix64 generator(options.training.seed ^ 0x9e3779b97f4a7c15ull);
        std::vector<std::size_t> order(replaySource.size());
        for (std::size_t i = 0; i < order.size(); ++i)
            order[i] = i;
        shuffleIndices(order, generator);
        std::vector<std::size_t> picked;
        picked.reserve(replayCount);
        for (std::size_t i = 0; i < replayCount; ++i)
            picked.push_back(order[i % order.size()]);
        auto joined = concatenate(newData, replaySource.subset(picked));
        if (!joined)
            return joined.error();
        mixed = std::move(*joined);
    }

    auto copy = current.clone();
    if (!copy)
        return copy.error();
    auto summary = train(*copy, mixed, options.training, observer);
    if (!summary)
        return summary.error();
    return UpdateResult{std::move(*copy), std::move(*summary), newData.size(), replayCount};
}

} // namespace millrace::ml

#include "core/ml/split.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace millrace::ml {

std::uint64_t SplitMix64::next()
{
    std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t SplitMix64::nextBelow(std::uint64_t bound)
{
    // Rejects the top sliver of the 64-bit range that would make some remainders more likely
    // than others; 2^64 mod bound computed as (-bound) mod bound.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        const std::uint64_t value = next();
        if (value >= threshold)
            return value % bound;
    }
}

void shuffleIndices(std::vector<std::size_t> &indices, SplitMix64 &generator)
{
    for (std::size_t i = indices.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(generator.nextBelow(i));
        std::swap(indices[i - 1], indices[j]);
    }
}

Result<DatasetSplit> splitIndices(std::size_t count, SplitFractions fractions, std::uint64_t seed)
{
    const std::pair<const char *, double> parts[] = {
        {"train", fractions.train}, {"test", fractions.test}, {"holdout", fractions.holdout}};
    for (const auto &[name, fraction] : parts) {
        if (!(fraction >= 0.0 && fraction <= 1.0))
            return fail(std::string("split fraction for ") + name + " (" + std::to_string(fraction)
                        + ") is outside [0, 1]");
    }
    const double total = fractions.train + fractions.test + fractions.holdout;
    if (std::abs(total - 1.0) > 1e-9)
        return fail("split fractions add up to " + std::to_string(total) + ", not 1");

    // std::llround on the same doubles gives the same integers everywhere (IEEE 754).
    const auto share = [count](double fraction) {
        return std::min<std::size_t>(count, std::size_t(std::llround(double(count) * fraction)));
    };
    const std::size_t testCount = share(fractions.test);
    const std::size_t holdoutCount = std::min(count - testCount, share(fractions.holdout));

    std::vector<std::size_t> order(count);
    for (std::size_t i = 0; i < count; ++i)
        order[i] = i;
    SplitMix64 generator(seed);
    shuffleIndices(order, generator);

    DatasetSplit split;
    const auto testEnd = order.begin() + std::ptrdiff_t(testCount);
    const auto holdoutEnd = testEnd + std::ptrdiff_t(holdoutCount);
    split.test.assign(order.begin(), testEnd);
    split.holdout.assign(testEnd, holdoutEnd);
    split.train.assign(holdoutEnd, order.end());
    for (std::vector<std::size_t> *part : {&split.train, &split.test, &split.holdout})
        std::sort(part->begin(), part->end());
    return split;
}

} // namespace millrace::ml

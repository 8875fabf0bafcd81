#pragma once

#include "core/ml/mlresult.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace millrace::ml {

/// SplitMix64 (Steele, Lea and Flood; the generator Vigna recommends for seeding): a tiny
/// pseudo-random generator whose output is fixed by its seed on every platform and compiler,
/// unlike the std:: distributions, whose results are implementation-defined.
class SplitMix64
{
public:
    explicit SplitMix64(std::uint64_t seed) : m_state(seed) {}

    /// The next 64 random bits.
    std::uint64_t next();
    /// A uniform value in [0, bound), without modulo bias; bound must be positive.
    std::uint64_t nextBelow(std::uint64_t bound);

private:
    std::uint64_t m_state;
};

/// Puts `indices` in a random order fixed by `generator` (Fisher-Yates, from the back).
void shuffleIndices(std::vector<std::size_t> &indices, SplitMix64 &generator);

/// Shares of a dataset for the three parts; each in [0, 1], together 1.
struct SplitFractions
{
    double train = 0.8;
    double test = 0.1;
    double holdout = 0.1;
};

/// Sample indices of the three parts of a split, each in ascending order. Together they hold
/// every index below the dataset's size exactly once.
struct DatasetSplit
{
    std::vector<std::size_t> train;
    std::vector<std::size_t> test;
    /// Kept back to be streamed in later as "new" data (seed 000's stream-holdout).
    std::vector<std::size_t> holdout;
};

/// Splits `count` samples into train / test / stream-holdout: the test and holdout parts get
/// round(count * fraction) samples each and train the rest, drawn by a Fisher-Yates shuffle
/// seeded with `seed`, so the same seed gives the same split on every machine. Fails when a
/// fraction is outside [0, 1] or they do not add up to 1.
Result<DatasetSplit> splitIndices(std::size_t count, SplitFractions fractions, std::uint64_t seed);

} // namespace millrace::ml

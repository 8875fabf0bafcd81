#pragma once

#include "core/ml/mlresult.h"

#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace millrace::ml {

/// One hyperparameter's value: an integer, a real number, a switch or one of a set of names.
using HyperValue = std::variant<std::int64_t, double, bool, std::string>;

/// Hyperparameters by name, e.g. {"lr": 0.01, "optimizer": "adam", "epochs": 5}.
using Hyperparameters = std::map<std::string, HyperValue>;

/// One hyperparameter as a model architecture or the trainer declares it: its type, the range
/// a search draws from, and the default used when none is given.
struct HyperparameterSpec
{
    enum class Kind {
        Integer, ///< whole numbers in [min, max]
        Real,    ///< real numbers in [min, max]
        Boolean, ///< true or false
        Choice   ///< one of `choices`
    };

    std::string name;
    Kind kind = Kind::Real;
    double min = 0; ///< Integer and Real: lowest value allowed
    double max = 0; ///< Integer and Real: highest value allowed
    /// Integer and Real: a search draws uniformly in log space (learning rates, widths);
    /// min must then be > 0.
    bool logScale = false;
    std::vector<std::string> choices; ///< Choice: the names allowed
    HyperValue defaultValue;
    std::string description; ///< one line for the UI's tooltip
};

/// The hyperparameters a model or search can set, in display order; names are unique.
using SearchSpace = std::vector<HyperparameterSpec>;

/// Checks a space is well formed: unique non-empty names, finite bounds with min <= max, log
/// scales above zero, choices non-empty, each default of the right type and in range. Names the
/// first problem.
Result<void> validateSpace(const SearchSpace &space);

/// Checks `given` against `space` and fills in the defaults of what it leaves out. Fails, naming
/// the hyperparameter, on an unknown name, a value of the wrong type or one out of range. An
/// integer given for a Real is taken as that real; nothing else is converted.
Result<Hyperparameters> resolveHyperparameters(const SearchSpace &space,
                                               const Hyperparameters &given);

/// A value as people and MLflow params read it: "32", "0.001", "true", "adam".
std::string toString(const HyperValue &value);

/// Reads a value written by toString() back as the type `spec` declares. Fails on text that
/// is not such a value (it does not check the range: resolveHyperparameters() does).
Result<HyperValue> parseHyperValue(const HyperparameterSpec &spec, const std::string &text);

/// The value of `name` in `values` as a T (std::int64_t, double, bool or std::string). Throws
/// std::out_of_range when missing and std::bad_variant_access on another type: callers read
/// hyperparameters that resolveHyperparameters() has checked.
template <typename T> T hyperValue(const Hyperparameters &values, const std::string &name)
{
    const HyperValue &value = values.at(name);
    if constexpr (std::is_same_v<T, double>) {
        if (const auto *integer = std::get_if<std::int64_t>(&value))
            return double(*integer);
    }
    return std::get<T>(value);
}

} // namespace millrace::ml

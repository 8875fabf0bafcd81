#include "core/ml/hyperparameters.h"

#include <charconv>
#include <cmath>
#include <set>

namespace millrace::ml {

namespace {

using Kind = HyperparameterSpec::Kind;

const char *kindName(Kind kind)
{
    switch (kind) {
    case Kind::Integer:
        return "an integer";
    case Kind::Real:
        return "a number";
    case Kind::Boolean:
        return "true or false";
    case Kind::Choice:
        return "one of its choices";
    }
    return "a value";
}

std::string formatNumber(double value)
{
    // Shortest text that reads back as the same double.
    char buffer[32];
    const auto written = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, written.ptr);
}

// Checks `value` has the type and range `spec` declares; "" when it does.
std::string problemWith(const HyperparameterSpec &spec, const HyperValue &value)
{
    const std::string prefix = "hyperparameter '" + spec.name + "' ";
    auto outOfRange = [&](double number) {
        return prefix + "is " + formatNumber(number) + ", outside [" + formatNumber(spec.min) + ", "
               + formatNumber(spec.max) + "]";
    };
    switch (spec.kind) {
    case Kind::Integer: {
        const auto *integer = std::get_if<std::int64_t>(&value);
        if (!integer)
            break;
        if (double(*integer) < spec.min || double(*integer) > spec.max)
            return outOfRange(double(*integer));
        return {};
    }
    case Kind::Real: {
        double number = 0;
        if (const auto *real = std::get_if<double>(&value))
            number = *real;
        else if (const auto *integer = std::get_if<std::int64_t>(&value))
            number = double(*integer);
        else
            break;
        if (!std::isfinite(number))
            return prefix + "must be a finite number";
        if (number < spec.min || number > spec.max)
            return outOfRange(number);
        return {};
    }
    case Kind::Boolean:
        if (std::holds_alternative<bool>(value))
            return {};
        break;
    case Kind::Choice: {
        const auto *name = std::get_if<std::string>(&value);
        if (!name)
            break;
        for (const std::string &choice : spec.choices) {
            if (choice == *name)
                return {};
        }
        std::string allowed;
        for (const std::string &choice : spec.choices)
            allowed += (allowed.empty() ? "" : ", ") + choice;
        return prefix + "is '" + *name + "', not one of " + allowed;
    }
    }
    return prefix + "must be " + kindName(spec.kind) + ", not '" + toString(value) + "'";
}

} // namespace

Result<void> validateSpace(const SearchSpace &space)
{
    std::set<std::string> names;
    for (const HyperparameterSpec &spec : space) {
        if (spec.name.empty())
            return fail("a hyperparameter has no name");
        if (!names.insert(spec.name).second)
            return fail("hyperparameter '" + spec.name + "' is declared twice");
        const bool numeric = spec.kind == Kind::Integer || spec.kind == Kind::Real;
        // A search draws from the range, so an infinite or NaN bound would draw non-numbers.
        if (numeric && !(std::isfinite(spec.min) && std::isfinite(spec.max)))
            return fail("hyperparameter '" + spec.name + "' has a range that is not finite");
        if (numeric && !(spec.min <= spec.max))
            return fail("hyperparameter '" + spec.name + "' has min above max");
        if (numeric && spec.logScale && !(spec.min > 0))
            return fail("hyperparameter '" + spec.name + "' has a log scale but min <= 0");
        if (spec.kind == Kind::Choice && spec.choices.empty())
            return fail("hyperparameter '" + spec.name + "' has no choices");
        const std::string problem = problemWith(spec, spec.defaultValue);
        if (!problem.empty())
            return fail("the default of " + problem);
    }
    return {};
}

Result<Hyperparameters> resolveHyperparameters(const SearchSpace &space,
                                               const Hyperparameters &given)
{
    Hyperparameters resolved;
    for (const HyperparameterSpec &spec : space) {
        const auto found = given.find(spec.name);
        if (found == given.end()) {
            resolved[spec.name] = spec.defaultValue;
            continue;
        }
        const std::string problem = problemWith(spec, found->second);
        if (!problem.empty())
            return fail(problem);
        HyperValue value = found->second;
        if (spec.kind == Kind::Real) {
            if (const auto *integer = std::get_if<std::int64_t>(&value))
                value = double(*integer);
        }
        resolved[spec.name] = value;
    }
    for (const auto &[name, value] : given) {
        if (!resolved.count(name))
            return fail("unknown hyperparameter '" + name + "'");
    }
    return resolved;
}

std::string toString(const HyperValue &value)
{
    if (const auto *integer = std::get_if<std::int64_t>(&value))
        return std::to_string(*integer);
    if (const auto *real = std::get_if<double>(&value))
        return formatNumber(*real);
    if (const auto *flag = std::get_if<bool>(&value))
        return *flag ? "true" : "false";
    return std::get<std::string>(value);
}

Result<HyperValue> parseHyperValue(const HyperparameterSpec &spec, const std::string &text)
{
    const std::string bad =
        "hyperparameter '" + spec.name + "': '" + text + "' is not " + kindName(spec.kind);
    const char *first = text.data();
    const char *last = text.data() + text.size();
    switch (spec.kind) {
    case Kind::Integer: {
        std::int64_t integer = 0;
        const auto read = std::from_chars(first, last, integer);
        if (text.empty() || read.ec != std::errc() || read.ptr != last)
            return fail(bad);
        return HyperValue(integer);
    }
    case Kind::Real: {
        double real = 0;
        const auto read = std::from_chars(first, last, real);
        if (text.empty() || read.ec != std::errc() || read.ptr != last || !std::isfinite(real))
            return fail(bad);
        return HyperValue(real);
    }
    case Kind::Boolean:
        if (text == "true" || text == "1")
            return HyperValue(true);
        if (text == "false" || text == "0")
            return HyperValue(false);
        return fail(bad);
    case Kind::Choice:
        for (const std::string &choice : spec.choices) {
            if (choice == text)
                return HyperValue(text);
        }
        return fail(bad);
    }
    return fail(bad);
}

} // namespace millrace::ml

#include "core/ml/hyperparametersearch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace millrace::ml {

namespace {

using Kind = HyperparameterSpec::Kind;

constexpr double pi = 3.14159265358979323846;
constexpr double infinity = std::numeric_limits<double>::infinity();
// Beyond 2^53 doubles skip whole numbers, and std::llround would overflow past 2^63.
constexpr double largestExactInteger = 9007199254740992.0;

// Uniform in [0, 1), with the 53 bits a double holds.
double uniform01(SplitMix64 &generator)
{
    return double(generator.next() >> 11) * 0x1.0p-53;
}

// A standard normal draw (Box-Muller); 1 - u keeps the logarithm's argument above zero.
double standardNormal(SplitMix64 &generator)
{
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform01(generator)));
    return radius * std::cos(2.0 * pi * uniform01(generator));
}

bool isNumeric(const HyperparameterSpec &spec)
{
    return spec.kind == Kind::Integer || spec.kind == Kind::Real;
}

double lowestInteger(const HyperparameterSpec &spec)
{
    return std::max(std::ceil(spec.min), -largestExactInteger);
}

double highestInteger(const HyperparameterSpec &spec)
{
    return std::min(std::floor(spec.max), largestExactInteger);
}

// The interval a numeric hyperparameter is drawn from, on its search axis: the log axis for log
// scales. An integer's interval reaches half a step past its end values so that, once rounded,
// they are as likely as the values between.
struct Axis
{
    double low = 0;
    double high = 0;
    double width() const { return high - low; }
};

Axis searchAxis(const HyperparameterSpec &spec)
{
    Axis axis{spec.min, spec.max};
    if (spec.kind == Kind::Integer)
        axis = {lowestInteger(spec) - 0.5, highestInteger(spec) + 0.5};
    if (spec.logScale) // min > 0, and an integer's low end is at least 1 - 0.5
        axis = {std::log(axis.low), std::log(axis.high)};
    return axis;
}

// A point of the search axis as a value of the hyperparameter, rounded and kept in range.
HyperValue valueAt(const HyperparameterSpec &spec, double coordinate)
{
    const double number = spec.logScale ? std::exp(coordinate) : coordinate;
    if (spec.kind == Kind::Integer) {
        const double clamped = std::clamp(number, lowestInteger(spec), highestInteger(spec));
        return std::int64_t(std::llround(clamped));
    }
    return std::clamp(number, spec.min, spec.max);
}

std::size_t optionCount(const HyperparameterSpec &spec)
{
    return spec.kind == Kind::Boolean ? 2 : spec.choices.size();
}

HyperValue optionValue(const HyperparameterSpec &spec, std::size_t option)
{
    if (spec.kind == Kind::Boolean)
        return option == 1;
    return spec.choices[option];
}

// Where a checked value lies: on the search axis for numbers, its option's index otherwise.
double coordinateOf(const HyperparameterSpec &spec, const HyperValue &value)
{
    switch (spec.kind) {
    case Kind::Integer:
    case Kind::Real: {
        const double number = std::holds_alternative<std::int64_t>(value)
                                  ? double(std::get<std::int64_t>(value))
                                  : std::get<double>(value);
        return spec.logScale ? std::log(number) : number;
    }
    case Kind::Boolean:
        return std::get<bool>(value) ? 1 : 0;
    case Kind::Choice: {
        const auto found =
            std::find(spec.choices.begin(), spec.choices.end(), std::get<std::string>(value));
        return double(found - spec.choices.begin());
    }
    }
    return 0;
}

HyperValue drawUniform(const HyperparameterSpec &spec, SplitMix64 &generator)
{
    if (isNumeric(spec)) {
        const Axis axis = searchAxis(spec);
        return valueAt(spec, axis.low + axis.width() * uniform01(generator));
    }
    return optionValue(spec, std::size_t(generator.nextBelow(optionCount(spec))));
}

Hyperparameters drawUniform(const SearchSpace &space, SplitMix64 &generator)
{
    Hyperparameters values;
    for (const HyperparameterSpec &spec : space)
        values[spec.name] = drawUniform(spec, generator);
    return values;
}

// log(sum(exp(terms))) without overflow or underflow.
double logSumExp(const std::vector<double> &terms)
{
    const double largest = *std::max_element(terms.begin(), terms.end());
    if (largest == -infinity)
        return -infinity;
    double sum = 0;
    for (const double term : terms)
        sum += std::exp(term - largest);
    return largest + std::log(sum);
}

// Index drawn with probability proportional to its weight (weights non-negative, not all 0).
std::size_t drawWeighted(const std::vector<double> &weights, SplitMix64 &generator)
{
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    double remaining = uniform01(generator) * total;
    for (std::size_t i = 0; i + 1 < weights.size(); ++i) {
        if (remaining < weights[i])
            return i;
        remaining -= weights[i];
    }
    return weights.size() - 1;
}

// Bandwidths of Gaussians centred on `points` (one hyperparameter's coordinates in a group of
// trials): each the larger gap to its neighbours, with the axis's ends and the prior's centre
// counted as neighbours, so kernels widen where trials are sparse. Few trials get wide kernels,
// many may get narrow ones, but never narrower than a hundredth of the axis.
std::vector<double> neighbourBandwidths(const std::vector<double> &points, Axis axis)
{
    std::vector<double> centres = points;
    centres.push_back((axis.low + axis.high) / 2);
    std::sort(centres.begin(), centres.end());
    const double narrowest = axis.width() / std::min(100.0, double(points.size() + 1));
    std::vector<double> bandwidths;
    for (const double point : points) {
        // Equal points share a bandwidth: the gaps run to the nearest different centres.
        const auto first = std::lower_bound(centres.begin(), centres.end(), point);
        const auto last = std::upper_bound(centres.begin(), centres.end(), point);
        const double left = first == centres.begin() ? axis.low : *(first - 1);
        const double right = last == centres.end() ? axis.high : *last;
        bandwidths.push_back(
            std::clamp(std::max(point - left, right - point), narrowest, axis.width()));
    }
    return bandwidths;
}

// TPE's density over the whole space, fitted to one group of trials (see TpeSampler in the
// header): a weighted mixture of one component per trial and a broad prior one. A component is
// a product of one kernel per hyperparameter.
class ParzenEstimator
{
public:
    ParzenEstimator(const SearchSpace &space, const std::vector<std::vector<double>> &trials,
                    double priorWeight)
        : m_space(space), m_components(trials.size() + 1)
    {
        for (std::size_t k = 0; k < trials.size(); ++k)
            m_weights.push_back(1.0);
        m_weights.push_back(priorWeight);
        // An option kernel puts most of its mass on its trial's option and spreads a share that
        // shrinks as trials accumulate over all options, as Optuna does.
        const double spread = priorWeight / double(trials.size() + 1);

        for (std::size_t dimension = 0; dimension < space.size(); ++dimension) {
            const HyperparameterSpec &spec = space[dimension];
            std::vector<double> column;
            for (const std::vector<double> &trial : trials)
                column.push_back(trial[dimension]);
            Component &prior = m_components.back();
            if (!isNumeric(spec)) {
                const std::size_t count = optionCount(spec);
                for (std::size_t k = 0; k < trials.size(); ++k)
                    m_components[k].kernels.push_back(optionKernel(column[k], count, spread));
                prior.kernels.push_back(optionKernel(-1, count, 1.0));
                continue;
            }
            const Axis axis = searchAxis(spec);
            if (!(axis.width() > 0)) { // a fixed hyperparameter: nothing to model
                for (Component &component : m_components)
                    component.kernels.push_back(Kernel{axis.low, 0, 0, {}});
                continue;
            }
            const std::vector<double> bandwidths = neighbourBandwidths(column, axis);
            for (std::size_t k = 0; k < trials.size(); ++k)
                m_components[k].kernels.push_back(gaussianKernel(column[k], bandwidths[k], axis));
            prior.kernels.push_back(gaussianKernel((axis.low + axis.high) / 2, axis.width(), axis));
        }
    }

    // Coordinates drawn from the density: a component by weight, then each kernel.
    std::vector<double> sample(SplitMix64 &generator) const
    {
        const Component &component = m_components[drawWeighted(m_weights, generator)];
        std::vector<double> coordinates;
        for (std::size_t dimension = 0; dimension < m_space.size(); ++dimension) {
            const Kernel &kernel = component.kernels[dimension];
            if (!kernel.optionProbabilities.empty())
                coordinates.push_back(double(drawWeighted(kernel.optionProbabilities, generator)));
            else
                coordinates.push_back(
                    drawGaussian(kernel, searchAxis(m_space[dimension]), generator));
        }
        return coordinates;
    }

    double logDensity(const std::vector<double> &coordinates) const
    {
        std::vector<double> terms;
        for (std::size_t k = 0; k < m_components.size(); ++k) {
            double term = std::log(m_weights[k]);
            for (std::size_t dimension = 0; dimension < coordinates.size(); ++dimension)
                term +=
                    kernelLogDensity(m_components[k].kernels[dimension], coordinates[dimension]);
            terms.push_back(term);
        }
        const double totalWeight = std::accumulate(m_weights.begin(), m_weights.end(), 0.0);
        return logSumExp(terms) - std::log(totalWeight);
    }

private:
    // A Gaussian truncated to the axis (sigma 0 for a fixed number), or a distribution over a
    // boolean's or choice's options.
    struct Kernel
    {
        double mean = 0;
        double sigma = 0;
        double logMassInside = 0; // log of the untruncated Gaussian's share on the axis
        std::vector<double> optionProbabilities;
    };
    struct Component
    {
        std::vector<Kernel> kernels; // one per hyperparameter
    };

    static Kernel gaussianKernel(double mean, double sigma, Axis axis)
    {
        const auto cdf = [&](double x) {
            return 0.5 * std::erfc(-(x - mean) / (sigma * std::sqrt(2.0)));
        };
        const double mass = std::max(cdf(axis.high) - cdf(axis.low), 1e-300);
        return Kernel{mean, sigma, std::log(mass), {}};
    }

    // `option` gets weight 1 and every option `spread` (option -1: none, a uniform kernel).
    static Kernel optionKernel(double option, std::size_t count, double spread)
    {
        Kernel kernel;
        kernel.optionProbabilities.assign(count, spread);
        if (option >= 0)
            kernel.optionProbabilities[std::size_t(option)] += 1.0;
        const double total = std::accumulate(kernel.optionProbabilities.begin(),
                                             kernel.optionProbabilities.end(), 0.0);
        for (double &probability : kernel.optionProbabilities)
            probability /= total;
        return kernel;
    }

    static double drawGaussian(const Kernel &kernel, Axis axis, SplitMix64 &generator)
    {
        if (kernel.sigma == 0)
            return kernel.mean;
        // Centres lie on the axis and bandwidths are at most its width, so over a third of the
        // draws land inside and rejection ends fast; the cap only guards against the absurd.
        for (int attempt = 0; attempt < 100; ++attempt) {
            const double x = kernel.mean + kernel.sigma * standardNormal(generator);
            if (x >= axis.low && x <= axis.high)
                return x;
        }
        return kernel.mean;
    }

    static double kernelLogDensity(const Kernel &kernel, double x)
    {
        if (!kernel.optionProbabilities.empty())
            return std::log(kernel.optionProbabilities[std::size_t(x)]);
        if (kernel.sigma == 0)
            return 0;
        const double z = (x - kernel.mean) / kernel.sigma;
        return -0.5 * z * z - std::log(kernel.sigma) - 0.5 * std::log(2 * pi)
               - kernel.logMassInside;
    }

    const SearchSpace &m_space;
    std::vector<double> m_weights; // per component, the prior's last
    std::vector<Component> m_components;
};

} // namespace

RandomSampler::RandomSampler(SearchSpace space, std::uint64_t seed)
    : Sampler(std::move(space)), m_generator(seed)
{
}

Hyperparameters RandomSampler::suggest()
{
    return drawUniform(space(), m_generator);
}

void RandomSampler::tell(const Hyperparameters &, double) {}

TpeSampler::TpeSampler(SearchSpace space, std::uint64_t seed, TpeOptions options)
    : Sampler(std::move(space)), m_options(options), m_generator(seed)
{
    const TpeOptions defaults;
    m_options.startupTrials = std::max(m_options.startupTrials, 0);
    m_options.candidates = std::max(m_options.candidates, 1);
    if (!(m_options.gamma > 0))
        m_options.gamma = defaults.gamma;
    if (!(m_options.priorWeight > 0) || !std::isfinite(m_options.priorWeight))
        m_options.priorWeight = defaults.priorWeight;
}

Hyperparameters TpeSampler::suggest()
{
    const std::size_t finished =
        std::size_t(std::count_if(m_trials.begin(), m_trials.end(),
                                  [](const Trial &trial) { return trial.objective < infinity; }));
    // "Good" means nothing until a trial has finished.
    if (m_trials.size() < std::size_t(m_options.startupTrials) || finished == 0)
        return drawUniform(space(), m_generator);

    // Best first; a stable sort keeps ties (and failures) in the order they were told, so the
    // split does not depend on the sort's implementation.
    std::vector<std::size_t> ranked(m_trials.size());
    std::iota(ranked.begin(), ranked.end(), std::size_t(0));
    std::stable_sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
        return m_trials[a].objective < m_trials[b].objective;
    });
    const double wanted = std::ceil(std::min(m_options.gamma, 1.0) * double(m_trials.size()));
    const std::size_t goodCount = std::clamp(std::size_t(wanted), std::size_t(1), finished);

    std::vector<std::vector<double>> good;
    std::vector<std::vector<double>> bad;
    for (std::size_t rank = 0; rank < ranked.size(); ++rank)
        (rank < goodCount ? good : bad).push_back(m_trials[ranked[rank]].coordinates);
    const ParzenEstimator goodDensity(space(), good, m_options.priorWeight);
    const ParzenEstimator badDensity(space(), bad, m_options.priorWeight);

    // The candidate maximising l / g, compared as log l - log g.
    double bestScore = -infinity;
    Hyperparameters best;
    for (int i = 0; i < m_options.candidates; ++i) {
        const std::vector<double> drawn = goodDensity.sample(m_generator);
        // Scored where it lands after rounding, like the trials the densities came from.
        Hyperparameters candidate;
        std::vector<double> coordinates;
        for (std::size_t dimension = 0; dimension < space().size(); ++dimension) {
            const HyperparameterSpec &spec = space()[dimension];
            const HyperValue value = isNumeric(spec)
                                         ? valueAt(spec, drawn[dimension])
                                         : optionValue(spec, std::size_t(drawn[dimension]));
            coordinates.push_back(coordinateOf(spec, value));
            candidate[spec.name] = value;
        }
        const double score =
            goodDensity.logDensity(coordinates) - badDensity.logDensity(coordinates);
        if (i == 0 || score > bestScore) {
            bestScore = score;
            best = std::move(candidate);
        }
    }
    return best;
}

void TpeSampler::tell(const Hyperparameters &values, double objective)
{
    const Result<Hyperparameters> resolved = resolveHyperparameters(space(), values);
    if (!resolved)
        return;
    Trial trial;
    for (const HyperparameterSpec &spec : space())
        trial.coordinates.push_back(coordinateOf(spec, resolved->at(spec.name)));
    trial.objective = std::isfinite(objective) ? objective : infinity;
    m_trials.push_back(std::move(trial));
}

Result<std::unique_ptr<Sampler>> makeSampler(const std::string &method, const SearchSpace &space,
                                             std::uint64_t seed)
{
    if (method != "random" && method != "tpe")
        return fail("unknown search method '" + method + "'; expected random or tpe");
    if (const Result<void> valid = validateSpace(space); !valid)
        return valid.error();
    if (method == "random")
        return std::unique_ptr<Sampler>(std::make_unique<RandomSampler>(space, seed));
    return std::unique_ptr<Sampler>(std::make_unique<TpeSampler>(space, seed));
}

} // namespace millrace::ml

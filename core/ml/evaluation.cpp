#include "core/ml/evaluation.h"

// Header only (Debian nlohmann-json3-dev); writes NaN and infinities as null, which is what the
// report means by "unknown".
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace millrace::ml {

namespace {

constexpr const char *classificationFormat = "millrace.classification-report";
constexpr const char *regressionFormat = "millrace.regression-report";
constexpr int reportVersion = 1;

constexpr double notANumber = std::numeric_limits<double>::quiet_NaN();

double ratio(std::int64_t numerator, std::int64_t denominator)
{
    return denominator == 0 ? 0.0 : double(numerator) / double(denominator);
}

Result<void> checkLengths(std::size_t truthCount, std::size_t predictedCount, const char *truths)
{
    if (truthCount != predictedCount)
        return fail("there are " + std::to_string(truthCount) + " " + truths + " but "
                    + std::to_string(predictedCount) + " predictions");
    if (truthCount == 0)
        return fail("there are no samples to evaluate");
    return {};
}

Result<void> checkClasses(const std::vector<std::int64_t> &labels, std::int64_t classCount,
                          const char *what)
{
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= classCount)
            return fail(std::string(what) + " " + std::to_string(i) + " is class "
                        + std::to_string(labels[i]) + ", outside [0, " + std::to_string(classCount)
                        + ")");
    }
    return {};
}

// Locale-independent: the app sets the C library's locale from the environment, under which
// printf would write "0,9012" in half of Europe.
std::string number(double value)
{
    if (std::isnan(value))
        return "NaN";
    std::array<char, 32> buffer{};
    const auto written = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                       std::chars_format::general, 6);
    return std::string(buffer.data(), written.ptr);
}

// Which report a metric name belongs to and which way is better. "loss" belongs to both.
struct MetricInfo
{
    const char *name;
    bool higherIsBetter;
};

constexpr std::array<MetricInfo, 8> classificationMetrics = {{
    {"accuracy", true},
    {"loss", false},
    {"macro_f1", true},
    {"macro_precision", true},
    {"macro_recall", true},
    {"weighted_f1", true},
    {"weighted_precision", true},
    {"weighted_recall", true},
}};

constexpr std::array<MetricInfo, 5> regressionMetrics = {{
    {"loss", false},
    {"mse", false},
    {"rmse", false},
    {"mae", false},
    {"r2", true},
}};

template <std::size_t N>
Error unknownMetric(const std::string &name, const std::array<MetricInfo, N> &known,
                    const char *kind)
{
    std::string list;
    for (const MetricInfo &metric : known) {
        if (!list.empty())
            list += ", ";
        list += metric.name;
    }
    return fail("'" + name + "' is not a " + kind + " metric (known: " + list + ")");
}

Result<PromotionDecision> decide(const std::string &metric, Result<double> champion,
                                 Result<double> challenger, const PromotionRule &rule)
{
    if (!champion)
        return champion.error();
    if (!challenger)
        return challenger.error();
    if (!std::isfinite(rule.minImprovement) || rule.minImprovement < 0)
        return fail("the minimum improvement for promotion must be a finite number >= 0, not "
                    + number(rule.minImprovement));

    PromotionDecision decision;
    decision.metric = metric;
    decision.champion = *champion;
    decision.challenger = *challenger;
    decision.improvement = higherIsBetter(metric) ? decision.challenger - decision.champion
                                                  : decision.champion - decision.challenger;
    decision.required = rule.minImprovement;

    const std::string challengerText = "challenger " + metric + " " + number(decision.challenger);
    const std::string championText = "champion " + number(decision.champion);
    if (std::isnan(decision.challenger)) {
        decision.reason =
            "challenger " + metric + " is unknown (NaN), so it cannot replace " + championText;
        return decision;
    }
    if (std::isnan(decision.champion)) {
        decision.promote = true;
        decision.reason = challengerText + " replaces champion whose " + metric
                          + " is unknown (NaN): a known figure beats an unknown one";
        return decision;
    }
    // Rounding must not decide a promotion: 0.35 - 0.30 is 0.04999999999999999 in binary, and
    // a user who asked for 0.05 expects it to count. The tolerance is far below any real
    // difference between two models' metrics.
    const double tolerance =
        1e-12 * std::max({1.0, std::abs(decision.champion), std::abs(decision.challenger)});
    const double shortfall = decision.required - decision.improvement;
    decision.promote = decision.improvement > 0 && shortfall <= tolerance;
    if (decision.promote) {
        decision.reason = challengerText + " beats " + championText + " by "
                          + number(decision.improvement) + " >= " + number(decision.required);
    } else if (decision.improvement > 0) {
        decision.reason = challengerText + " is better than " + championText + " by "
                          + number(decision.improvement) + ", less than the required "
                          + number(decision.required);
    } else if (decision.improvement == 0) {
        decision.reason = challengerText + " ties " + championText + "; a tie keeps the champion";
    } else if (std::isnan(decision.improvement)) {
        decision.reason = challengerText + " cannot be compared with " + championText;
    } else {
        decision.reason = challengerText + " is worse than " + championText + " by "
                          + number(-decision.improvement);
    }
    return decision;
}

Result<void> checkSameTestSet(std::int64_t championCount, std::int64_t challengerCount)
{
    if (championCount != challengerCount)
        return fail("the champion was evaluated on " + std::to_string(championCount)
                    + " samples and the challenger on " + std::to_string(challengerCount)
                    + ": not the same test set, so they cannot be compared");
    return {};
}

nlohmann::ordered_json averagedJson(const AveragedMetrics &average)
{
    return {{"precision", average.precision}, {"recall", average.recall}, {"f1", average.f1}};
}

} // namespace

Result<ClassificationReport> classificationReport(const std::vector<std::int64_t> &truth,
                                                  const std::vector<std::int64_t> &predicted,
                                                  std::int64_t classCount, double meanLoss,
                                                  const std::vector<std::string> &classNames)
{
    if (classCount <= 0)
        return fail("the class count must be positive, not " + std::to_string(classCount));
    if (!classNames.empty() && classNames.size() != std::size_t(classCount))
        return fail("there are " + std::to_string(classCount) + " classes but "
                    + std::to_string(classNames.size()) + " class names");
    if (Result<void> lengths = checkLengths(truth.size(), predicted.size(), "true labels");
        !lengths)
        return lengths.error();
    if (Result<void> valid = checkClasses(truth, classCount, "true label"); !valid)
        return valid.error();
    if (Result<void> valid = checkClasses(predicted, classCount, "prediction"); !valid)
        return valid.error();

    const std::size_t classes = std::size_t(classCount);
    ClassificationReport report;
    report.sampleCount = std::int64_t(truth.size());
    report.meanLoss = meanLoss;
    report.classNames = classNames;
    report.confusion.assign(classes, std::vector<std::int64_t>(classes, 0));
    for (std::size_t i = 0; i < truth.size(); ++i)
        ++report.confusion[std::size_t(truth[i])][std::size_t(predicted[i])];

    std::vector<std::int64_t> predictedCount(classes, 0);
    std::int64_t correct = 0;
    for (std::size_t t = 0; t < classes; ++t) {
        correct += report.confusion[t][t];
        for (std::size_t p = 0; p < classes; ++p)
            predictedCount[p] += report.confusion[t][p];
    }
    report.accuracy = ratio(correct, report.sampleCount);

    report.perClass.resize(classes);
    std::int64_t averagedClasses = 0;
    for (std::size_t c = 0; c < classes; ++c) {
        ClassMetrics &metrics = report.perClass[c];
        const std::int64_t truePositives = report.confusion[c][c];
        for (const std::int64_t count : report.confusion[c])
            metrics.support += count;
        metrics.precision = ratio(truePositives, predictedCount[c]);
        metrics.recall = ratio(truePositives, metrics.support);
        // 2TP / (2TP + FP + FN), where TP + FP is the predicted count and TP + FN the support:
        // equal to the harmonic mean when both are defined, and needs no special case when not.
        metrics.f1 = ratio(2 * truePositives, predictedCount[c] + metrics.support);

        if (metrics.support > 0 || predictedCount[c] > 0) {
            ++averagedClasses;
            report.macro.precision += metrics.precision;
            report.macro.recall += metrics.recall;
            report.macro.f1 += metrics.f1;
        }
        const double weight = double(metrics.support) / double(report.sampleCount);
        report.weighted.precision += weight * metrics.precision;
        report.weighted.recall += weight * metrics.recall;
        report.weighted.f1 += weight * metrics.f1;
    }
    // At least one class occurs, since there is at least one sample.
    report.macro.precision /= double(averagedClasses);
    report.macro.recall /= double(averagedClasses);
    report.macro.f1 /= double(averagedClasses);
    return report;
}

Result<RegressionReport> regressionReport(const std::vector<float> &truth,
                                          const std::vector<float> &predicted, double meanLoss)
{
    if (Result<void> lengths = checkLengths(truth.size(), predicted.size(), "true targets");
        !lengths)
        return lengths.error();
    for (std::size_t i = 0; i < truth.size(); ++i) {
        if (!std::isfinite(truth[i]))
            return fail("true target " + std::to_string(i) + " is " + number(truth[i])
                        + ", not a finite number");
    }

    const double count = double(truth.size());
    double truthSum = 0;
    double squaredErrorSum = 0;
    double absoluteErrorSum = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        const double error = double(truth[i]) - double(predicted[i]);
        truthSum += truth[i];
        squaredErrorSum += error * error;
        absoluteErrorSum += std::abs(error);
    }
    const double truthMean = truthSum / count;
    double totalSquares = 0;
    for (const float value : truth)
        totalSquares += (value - truthMean) * (value - truthMean);

    RegressionReport report;
    report.sampleCount = std::int64_t(truth.size());
    report.meanLoss = meanLoss;
    report.mse = squaredErrorSum / count;
    report.rmse = std::sqrt(report.mse);
    report.mae = absoluteErrorSum / count;
    if (truth.size() < 2)
        report.r2 = notANumber;
    else if (totalSquares > 0)
        report.r2 = 1.0 - squaredErrorSum / totalSquares;
    else if (std::isnan(squaredErrorSum))
        report.r2 = notANumber;
    else
        report.r2 = squaredErrorSum == 0 ? 1.0 : 0.0;
    return report;
}

Result<double> metricValue(const ClassificationReport &report, const std::string &name)
{
    if (name == "accuracy")
        return report.accuracy;
    if (name == "loss")
        return report.meanLoss;
    if (name == "macro_f1")
        return report.macro.f1;
    if (name == "macro_precision")
        return report.macro.precision;
    if (name == "macro_recall")
        return report.macro.recall;
    if (name == "weighted_f1")
        return report.weighted.f1;
    if (name == "weighted_precision")
        return report.weighted.precision;
    if (name == "weighted_recall")
        return report.weighted.recall;
    return unknownMetric(name, classificationMetrics, "classification");
}

Result<double> metricValue(const RegressionReport &report, const std::string &name)
{
    if (name == "loss")
        return report.meanLoss;
    if (name == "mse")
        return report.mse;
    if (name == "rmse")
        return report.rmse;
    if (name == "mae")
        return report.mae;
    if (name == "r2")
        return report.r2;
    return unknownMetric(name, regressionMetrics, "regression");
}

bool higherIsBetter(const std::string &metric)
{
    for (const MetricInfo &info : classificationMetrics) {
        if (metric == info.name)
            return info.higherIsBetter;
    }
    for (const MetricInfo &info : regressionMetrics) {
        if (metric == info.name)
            return info.higherIsBetter;
    }
    return false;
}

Result<PromotionDecision> decidePromotion(const ClassificationReport &champion,
                                          const ClassificationReport &challenger,
                                          const PromotionRule &rule)
{
    if (Result<void> same = checkSameTestSet(champion.sampleCount, challenger.sampleCount); !same)
        return same.error();
    if (champion.classCount() != challenger.classCount())
        return fail("the champion was evaluated over " + std::to_string(champion.classCount())
                    + " classes and the challenger over " + std::to_string(challenger.classCount())
                    + ": not the same test set, so they cannot be compared");
    return decide(rule.metric, metricValue(champion, rule.metric),
                  metricValue(challenger, rule.metric), rule);
}

Result<PromotionDecision> decidePromotion(const RegressionReport &champion,
                                          const RegressionReport &challenger,
                                          const PromotionRule &rule)
{
    if (Result<void> same = checkSameTestSet(champion.sampleCount, challenger.sampleCount); !same)
        return same.error();
    return decide(rule.metric, metricValue(champion, rule.metric),
                  metricValue(challenger, rule.metric), rule);
}

std::string toJson(const ClassificationReport &report)
{
    using Json = nlohmann::ordered_json;
    Json classes = Json::array();
    for (std::size_t c = 0; c < report.perClass.size(); ++c) {
        const ClassMetrics &metrics = report.perClass[c];
        Json entry = {{"index", c}};
        if (!report.classNames.empty())
            entry["name"] = report.classNames[c];
        entry["precision"] = metrics.precision;
        entry["recall"] = metrics.recall;
        entry["f1"] = metrics.f1;
        entry["support"] = metrics.support;
        classes.push_back(std::move(entry));
    }
    const Json document = {{"format", classificationFormat},
                           {"version", reportVersion},
                           {"samples", report.sampleCount},
                           {"loss", report.meanLoss},
                           {"accuracy", report.accuracy},
                           {"classes", std::move(classes)},
                           {"macro_avg", averagedJson(report.macro)},
                           {"weighted_avg", averagedJson(report.weighted)},
                           {"confusion_matrix", report.confusion}};
    return document.dump(2) + "\n";
}

std::string toJson(const RegressionReport &report)
{
    const nlohmann::ordered_json document = {
        {"format", regressionFormat}, {"version", reportVersion}, {"samples", report.sampleCount},
        {"loss", report.meanLoss},    {"mse", report.mse},        {"rmse", report.rmse},
        {"mae", report.mae},          {"r2", report.r2}};
    return document.dump(2) + "\n";
}

std::vector<std::int64_t> argmaxRows(const float *scores, std::size_t rows, std::size_t columns)
{
    std::vector<std::int64_t> classes;
    if (columns == 0)
        return classes;
    classes.reserve(rows);
    for (std::size_t row = 0; row < rows; ++row) {
        const float *rowScores = scores + row * columns;
        std::size_t best = columns; // none yet
        for (std::size_t column = 0; column < columns; ++column) {
            if (std::isnan(rowScores[column]))
                continue;
            // Strictly greater, so the first of equal scores stays.
            if (best == columns || rowScores[column] > rowScores[best])
                best = column;
        }
        classes.push_back(best == columns ? 0 : std::int64_t(best));
    }
    return classes;
}

} // namespace millrace::ml

#pragma once

#include "core/ml/mlresult.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace millrace::ml {

// Zero-division conventions, as scikit-learn's default (zero_division="warn", which warns and
// then uses 0) without the warning:
// - precision of a class never predicted (no true or false positives) is 0;
// - recall of a class absent from the truth (support 0) is 0;
// - F1 is 2·TP / (2·TP + FP + FN), the harmonic mean of precision and recall, and 0 when that
//   denominator is 0 (the class neither occurs nor is predicted) or when TP is 0.

/// Precision, recall and F1 of one class against the rest, and how many samples truly belong
/// to it.
struct ClassMetrics
{
    double precision = 0;
    double recall = 0;
    double f1 = 0;
    std::int64_t support = 0; ///< samples whose true class is this one
};

/// Per-class precision, recall and F1 averaged over classes.
struct AveragedMetrics
{
    double precision = 0;
    double recall = 0;
    double f1 = 0;
};

/// What a classifier scored on a labelled set (the fixed test set, after an epoch or for a
/// champion/challenger decision): the figures a user compares models by and the table behind
/// them. Logged next to the model as JSON (toJson()).
struct ClassificationReport
{
    std::int64_t sampleCount = 0;
    /// Mean loss over the samples as the caller measured it; NaN when unknown.
    double meanLoss = std::numeric_limits<double>::quiet_NaN();
    /// Share of samples whose predicted class is the true one.
    double accuracy = 0;
    /// One entry per class, indexed by class.
    std::vector<ClassMetrics> perClass;
    /// Unweighted mean over the classes that occur in the truth or the predictions (the label
    /// set scikit-learn's average="macro" uses when given no labels): a class of the model
    /// that this set neither contains nor predicts does not pull the average down.
    AveragedMetrics macro;
    /// Mean over all classes weighted by support, so a rare class counts for little.
    AveragedMetrics weighted;
    /// confusion[t][p]: samples of true class t predicted as class p; classCount() rows and
    /// columns.
    std::vector<std::vector<std::int64_t>> confusion;
    /// Display names of the classes, classCount() of them, or empty when unknown.
    std::vector<std::string> classNames;

    std::int64_t classCount() const { return std::int64_t(perClass.size()); }
};

/// Scores predicted class indices against the true ones. Fails, saying which, when the two
/// lists differ in length, are empty, hold a class outside [0, classCount), when classCount is
/// not positive, or when classNames is neither empty nor classCount long.
Result<ClassificationReport> classificationReport(const std::vector<std::int64_t> &truth,
                                                  const std::vector<std::int64_t> &predicted,
                                                  std::int64_t classCount, double meanLoss,
                                                  const std::vector<std::string> &classNames = {});

/// What a regression model scored on a labelled set. Computed in double precision.
struct RegressionReport
{
    std::int64_t sampleCount = 0;
    /// Mean loss over the samples as the caller measured it; NaN when unknown.
    double meanLoss = std::numeric_limits<double>::quiet_NaN();
    double mse = 0;  ///< mean squared error
    double rmse = 0; ///< square root of mse, in the target's unit
    double mae = 0;  ///< mean absolute error
    /// Coefficient of determination, 1 - SS_res / SS_tot. As scikit-learn's r2_score: when the
    /// truth is constant (SS_tot = 0) it is 1 for exact predictions and 0 otherwise; with fewer
    /// than two samples it is NaN (not defined).
    double r2 = 0;
};

/// Scores predicted values against true targets (float, as Dataset::targets and model outputs
/// are). Fails, saying which, when the lists differ in length, are empty, or a true target is
/// not finite. Predictions that are not finite (a model that diverged) are scored, giving
/// infinite or NaN metrics, which never win a promotion.
Result<RegressionReport> regressionReport(const std::vector<float> &truth,
                                          const std::vector<float> &predicted, double meanLoss);

/// The report's figure called `name`: "accuracy", "loss", "macro_f1", "macro_precision",
/// "macro_recall", "weighted_f1", "weighted_precision" or "weighted_recall". Fails on other
/// names, listing these.
Result<double> metricValue(const ClassificationReport &report, const std::string &name);

/// The report's figure called `name`: "loss", "mse", "rmse", "mae" or "r2". Fails on other
/// names, listing these.
Result<double> metricValue(const RegressionReport &report, const std::string &name);

/// Whether a larger value of the metric is better: true for accuracy, precision, recall, F1
/// and R², false for loss, mse, rmse and mae. Also false for names metricValue() does not
/// know, so check the name there first.
bool higherIsBetter(const std::string &metric);

/// When a challenger replaces the champion: by which metric, and by how much it must be
/// better (in the metric's own unit, in its direction; 0 means "strictly better").
struct PromotionRule
{
    std::string metric = "accuracy";
    double minImprovement = 0.0;
};

/// The outcome of comparing a challenger with the champion on the same test set, with the
/// numbers behind it, so the UI and the run log can say why.
struct PromotionDecision
{
    bool promote = false;
    std::string metric;
    double champion = 0;
    double challenger = 0;
    /// challenger - champion for a higher-is-better metric, champion - challenger otherwise:
    /// positive when the challenger is better. NaN when either value is NaN.
    double improvement = 0;
    /// The rule's minImprovement.
    double required = 0;
    /// One sentence with the numbers, e.g. "challenger accuracy 0.9012 beats champion 0.895
    /// by 0.0062 >= 0.005".
    std::string reason;
};

/// Seed 000's rule: a new model replaces the current one only when it is better on the fixed
/// test set. The challenger is promoted when its improvement is above 0 and at least
/// rule.minImprovement (so a tie never promotes, whatever the margin); the comparison with the
/// margin forgives floating-point rounding (1e-12 relative), so 0.35 -> 0.30 counts as an
/// improvement of 0.05. A NaN challenger value never promotes; a NaN champion value (e.g. a
/// loss never measured) with a finite challenger promotes, because a known figure beats an
/// unknown one. Fails when the reports cover different numbers of samples (or classes), so
/// cannot be from the same test set, when the metric is unknown, or when minImprovement is
/// negative or not finite.
Result<PromotionDecision> decidePromotion(const ClassificationReport &champion,
                                          const ClassificationReport &challenger,
                                          const PromotionRule &rule);
/// The same rule for regression models.
Result<PromotionDecision> decidePromotion(const RegressionReport &champion,
                                          const RegressionReport &challenger,
                                          const PromotionRule &rule);

/// The report as a JSON document to log next to the model: format and version, sample count,
/// loss (null when unknown), accuracy, a "classes" table (index, name when known, precision,
/// recall, F1, support), macro and weighted averages and the confusion matrix (rows are true
/// classes, columns predicted).
std::string toJson(const ClassificationReport &report);

/// The report as a JSON document: format and version, sample count, loss (null when unknown),
/// mse, rmse, mae and r2 (null when NaN or infinite).
std::string toJson(const RegressionReport &report);

/// The predicted class of each row of a row-major rows x columns score matrix (logits or
/// probabilities): the column of the highest score, the lowest such column on ties. NaN scores
/// are passed over; a row of nothing but NaN gives class 0. An empty list when columns is 0.
std::vector<std::int64_t> argmaxRows(const float *scores, std::size_t rows, std::size_t columns);

} // namespace millrace::ml

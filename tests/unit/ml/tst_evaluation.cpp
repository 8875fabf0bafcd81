#include "core/ml/evaluation.h"

#include "mlverify.h"

#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace millrace::ml;

using Labels = std::vector<std::int64_t>;
using Values = std::vector<float>;
using Matrix = std::vector<std::vector<std::int64_t>>;
Q_DECLARE_METATYPE(Labels)
Q_DECLARE_METATYPE(Values)

namespace {

constexpr double unknown = std::numeric_limits<double>::quiet_NaN();

// Equal up to rounding (absolute 1e-12), for figures worked out as fractions: qFuzzyCompare would
// pass 0.7 against 0.70000001 and cannot compare with 0.
bool near(double actual, double expected)
{
    return std::abs(actual - expected) <= 1e-12;
}

#define COMPARE_NEAR(actual, expected)                                                             \
    QVERIFY2(near((actual), (expected)), qPrintable(QStringLiteral("%1 is %2, expected %3")        \
                                                        .arg(QString::fromLatin1(#actual))         \
                                                        .arg(actual, 0, 'g', 17)                   \
                                                        .arg(expected, 0, 'g', 17)))

// A report with only what the promotion rule reads, for deciding between made-up figures.
ClassificationReport classifierScoring(double accuracy, double loss, std::int64_t samples = 1000)
{
    ClassificationReport report;
    report.sampleCount = samples;
    report.accuracy = accuracy;
    report.meanLoss = loss;
    report.perClass.resize(10);
    return report;
}

RegressionReport regressorScoring(double mse, double r2, std::int64_t samples = 500)
{
    RegressionReport report;
    report.sampleCount = samples;
    report.mse = mse;
    report.rmse = std::sqrt(mse);
    report.r2 = r2;
    report.meanLoss = mse;
    return report;
}

} // namespace

class TestEvaluation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void threeClassReportByHand();
    void namedMetricsReadTheReport();
    void neverPredictedAndAbsentClassesScoreZero();
    void predictedButAbsentClassCountsInMacroOnly();
    void macroAndWeightedDifferOnImbalancedClasses();
    void perfectPredictionsScoreOne();
    void rejectsBadClassificationInput_data();
    void rejectsBadClassificationInput();
    void regressionReportByHand();
    void regressionOfConstantTruth();
    void regressionOfOneSample();
    void divergedPredictionsGiveNaN();
    void rejectsBadRegressionInput_data();
    void rejectsBadRegressionInput();
    void unknownMetricNamesFail();
    void directionOfEachMetric_data();
    void directionOfEachMetric();
    void promotionByAccuracy_data();
    void promotionByAccuracy();
    void promotionByLowerIsBetterLoss_data();
    void promotionByLowerIsBetterLoss();
    void promotionOfRegressors();
    void promotionWithUnknownValues();
    void promotionOfReportsFromPredictions();
    void promotionNeedsTheSameTestSet();
    void promotionRejectsBadRules();
    void classificationJsonRoundTrip();
    void regressionJsonWritesUnknownsAsNull();
    void argmaxPicksTheFirstHighestScore();
};

void TestEvaluation::threeClassReportByHand()
{
    // 10 samples, classes 0/1/2 with support 5/3/2:
    //   truth      0 0 0 0 0 1 1 1 2 2
    //   predicted  0 0 0 1 2 1 1 0 2 2
    // Confusion (rows true, columns predicted):
    //   true 0: [3 1 1]   true 1: [1 2 0]   true 2: [0 0 2]
    // Column sums (times predicted): 4, 3, 3. Correct: 3 + 2 + 2 = 7, accuracy 0.7.
    // Class 0: precision 3/4, recall 3/5, F1 2*3 / (4 + 5) = 2/3
    // Class 1: precision 2/3, recall 2/3, F1 2*2 / (3 + 3) = 2/3
    // Class 2: precision 2/3, recall 2/2, F1 2*2 / (3 + 2) = 4/5
    // Macro:    precision (3/4 + 2/3 + 2/3) / 3 = 25/36, recall (3/5 + 2/3 + 1) / 3 = 34/45,
    //           F1 (2/3 + 2/3 + 4/5) / 3 = 32/45
    // Weighted: precision (5*3/4 + 3*2/3 + 2*2/3) / 10 = 17/24,
    //           recall (5*3/5 + 3*2/3 + 2*1) / 10 = 7/10 (always the accuracy),
    //           F1 (5*2/3 + 3*2/3 + 2*4/5) / 10 = 52/75
    const Labels truth = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2};
    const Labels predicted = {0, 0, 0, 1, 2, 1, 1, 0, 2, 2};
    const Result<ClassificationReport> report =
        classificationReport(truth, predicted, 3, 0.42, {"cat", "dog", "owl"});
    ML_VERIFY_OK(report);

    QCOMPARE(report->sampleCount, std::int64_t(10));
    QCOMPARE(report->classCount(), std::int64_t(3));
    QCOMPARE(report->meanLoss, 0.42);
    COMPARE_NEAR(report->accuracy, 0.7);
    QCOMPARE(report->confusion, (Matrix{{3, 1, 1}, {1, 2, 0}, {0, 0, 2}}));
    QCOMPARE(report->classNames, (std::vector<std::string>{"cat", "dog", "owl"}));

    const std::vector<ClassMetrics> &perClass = report->perClass;
    COMPARE_NEAR(perClass[0].precision, 3.0 / 4);
    COMPARE_NEAR(perClass[0].recall, 3.0 / 5);
    COMPARE_NEAR(perClass[0].f1, 2.0 / 3);
    QCOMPARE(perClass[0].support, std::int64_t(5));
    COMPARE_NEAR(perClass[1].precision, 2.0 / 3);
    COMPARE_NEAR(perClass[1].recall, 2.0 / 3);
    COMPARE_NEAR(perClass[1].f1, 2.0 / 3);
    QCOMPARE(perClass[1].support, std::int64_t(3));
    COMPARE_NEAR(perClass[2].precision, 2.0 / 3);
    COMPARE_NEAR(perClass[2].recall, 1.0);
    COMPARE_NEAR(perClass[2].f1, 4.0 / 5);
    QCOMPARE(perClass[2].support, std::int64_t(2));

    COMPARE_NEAR(report->macro.precision, 25.0 / 36);
    COMPARE_NEAR(report->macro.recall, 34.0 / 45);
    COMPARE_NEAR(report->macro.f1, 32.0 / 45);
    COMPARE_NEAR(report->weighted.precision, 17.0 / 24);
    COMPARE_NEAR(report->weighted.recall, 0.7);
    COMPARE_NEAR(report->weighted.f1, 52.0 / 75);
}

void TestEvaluation::namedMetricsReadTheReport()
{
    const Result<ClassificationReport> report = classificationReport(
        {0, 0, 0, 0, 0, 1, 1, 1, 2, 2}, {0, 0, 0, 1, 2, 1, 1, 0, 2, 2}, 3, 0.42);
    ML_VERIFY_OK(report);
    QVERIFY(report->classNames.empty());
    const std::vector<std::pair<std::string, double>> expected = {{"accuracy", 0.7},
                                                                  {"loss", 0.42},
                                                                  {"macro_f1", 32.0 / 45},
                                                                  {"macro_precision", 25.0 / 36},
                                                                  {"macro_recall", 34.0 / 45},
                                                                  {"weighted_f1", 52.0 / 75},
                                                                  {"weighted_precision", 17.0 / 24},
                                                                  {"weighted_recall", 0.7}};
    for (const auto &[name, value] : expected) {
        const Result<double> metric = metricValue(*report, name);
        ML_VERIFY_OK(metric);
        QVERIFY2(near(*metric, value), name.c_str());
    }
}

void TestEvaluation::neverPredictedAndAbsentClassesScoreZero()
{
    // 4 classes; the model predicts class 0 for everything.
    //   truth [0 1 1 2], predicted [0 0 0 0]
    // Class 0: precision 1/4, recall 1/1, F1 2*1 / (4 + 1) = 2/5.
    // Classes 1 and 2 occur but are never predicted: precision 0/0 -> 0, recall 0, F1 0.
    // Class 3 neither occurs nor is predicted: all 0, and left out of the macro average.
    // Macro over classes 0-2: precision (1/4) / 3 = 1/12, recall 1/3, F1 (2/5) / 3 = 2/15.
    const Result<ClassificationReport> report =
        classificationReport({0, 1, 1, 2}, {0, 0, 0, 0}, 4, unknown);
    ML_VERIFY_OK(report);
    QVERIFY(std::isnan(report->meanLoss));
    COMPARE_NEAR(report->accuracy, 0.25);
    COMPARE_NEAR(report->perClass[0].precision, 0.25);
    COMPARE_NEAR(report->perClass[0].recall, 1.0);
    COMPARE_NEAR(report->perClass[0].f1, 0.4);
    for (std::size_t c = 1; c < 4; ++c) {
        QCOMPARE(report->perClass[c].precision, 0.0);
        QCOMPARE(report->perClass[c].recall, 0.0);
        QCOMPARE(report->perClass[c].f1, 0.0);
    }
    QCOMPARE(report->perClass[3].support, std::int64_t(0));
    COMPARE_NEAR(report->macro.precision, 1.0 / 12);
    COMPARE_NEAR(report->macro.recall, 1.0 / 3);
    COMPARE_NEAR(report->macro.f1, 2.0 / 15);
    // Weighted: class 0 has weight 1/4, the others score 0.
    COMPARE_NEAR(report->weighted.precision, 1.0 / 16);
    COMPARE_NEAR(report->weighted.recall, 0.25);
    COMPARE_NEAR(report->weighted.f1, 0.1);
}

void TestEvaluation::predictedButAbsentClassCountsInMacroOnly()
{
    // truth [0 0], predicted [0 1]: class 1 is predicted once but never occurs.
    // Class 0: precision 1/1, recall 1/2, F1 2*1 / (1 + 2) = 2/3.
    // Class 1: precision 0/1 = 0, recall 0/0 -> 0, F1 0 / (1 + 0) = 0; support 0.
    // Macro counts both (class 1 was predicted): precision 1/2, recall 1/4, F1 1/3.
    // Weighted gives class 1 no weight: precision 1, recall 1/2, F1 2/3.
    const Result<ClassificationReport> report = classificationReport({0, 0}, {0, 1}, 2, unknown);
    ML_VERIFY_OK(report);
    QCOMPARE(report->perClass[1].support, std::int64_t(0));
    QCOMPARE(report->perClass[1].precision, 0.0);
    QCOMPARE(report->perClass[1].recall, 0.0);
    QCOMPARE(report->perClass[1].f1, 0.0);
    COMPARE_NEAR(report->macro.precision, 0.5);
    COMPARE_NEAR(report->macro.recall, 0.25);
    COMPARE_NEAR(report->macro.f1, 1.0 / 3);
    COMPARE_NEAR(report->weighted.precision, 1.0);
    COMPARE_NEAR(report->weighted.recall, 0.5);
    COMPARE_NEAR(report->weighted.f1, 2.0 / 3);
}

void TestEvaluation::macroAndWeightedDifferOnImbalancedClasses()
{
    // Nine samples of class 0, one of class 1; the model always says 0. Accuracy 0.9 looks
    // good, macro F1 shows the rare class is never found.
    // Class 0: precision 9/10, recall 1, F1 2*9 / (10 + 9) = 18/19.
    // Class 1: never predicted: precision 0, recall 0/1 = 0, F1 0.
    // Macro:    precision 0.45, recall 0.5, F1 9/19 ~ 0.474
    // Weighted: precision 0.9 * 0.9 = 0.81, recall 0.9, F1 0.9 * 18/19 ~ 0.853
    const Labels truth = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const Labels predicted(10, 0);
    const Result<ClassificationReport> report = classificationReport(truth, predicted, 2, 0.3);
    ML_VERIFY_OK(report);
    COMPARE_NEAR(report->accuracy, 0.9);
    COMPARE_NEAR(report->macro.precision, 0.45);
    COMPARE_NEAR(report->macro.recall, 0.5);
    COMPARE_NEAR(report->macro.f1, 9.0 / 19);
    COMPARE_NEAR(report->weighted.precision, 0.81);
    COMPARE_NEAR(report->weighted.recall, 0.9);
    COMPARE_NEAR(report->weighted.f1, 0.9 * 18 / 19);
    QVERIFY(report->weighted.f1 > report->macro.f1 + 0.3);
}

void TestEvaluation::perfectPredictionsScoreOne()
{
    const Labels labels = {2, 0, 1, 1, 2, 0, 2};
    const Result<ClassificationReport> report = classificationReport(labels, labels, 3, 0.0);
    ML_VERIFY_OK(report);
    QCOMPARE(report->accuracy, 1.0);
    QCOMPARE(report->macro.f1, 1.0);
    QCOMPARE(report->weighted.f1, 1.0);
    QCOMPARE(report->confusion, (Matrix{{2, 0, 0}, {0, 2, 0}, {0, 0, 3}}));
}

void TestEvaluation::rejectsBadClassificationInput_data()
{
    QTest::addColumn<Labels>("truth");
    QTest::addColumn<Labels>("predicted");
    QTest::addColumn<qint64>("classCount");
    QTest::addColumn<QStringList>("classNames");
    QTest::addColumn<QString>("message");

    QTest::newRow("lengths differ") << Labels{0, 1, 2} << Labels{0, 1} << qint64(3) << QStringList()
                                    << "3 true labels but 2 predictions";
    QTest::newRow("empty") << Labels{} << Labels{} << qint64(3) << QStringList()
                           << "no samples to evaluate";
    QTest::newRow("true label too high")
        << Labels{0, 3} << Labels{0, 1} << qint64(3) << QStringList()
        << "true label 1 is class 3, outside [0, 3)";
    QTest::newRow("negative prediction")
        << Labels{0, 1} << Labels{-1, 1} << qint64(3) << QStringList()
        << "prediction 0 is class -1, outside [0, 3)";
    QTest::newRow("prediction too high")
        << Labels{0, 1} << Labels{0, 2} << qint64(2) << QStringList()
        << "prediction 1 is class 2, outside [0, 2)";
    QTest::newRow("too few class names") << Labels{0, 1} << Labels{0, 1} << qint64(3)
                                         << QStringList{"a", "b"} << "3 classes but 2 class names";
    QTest::newRow("no classes") << Labels{0} << Labels{0} << qint64(0) << QStringList()
                                << "class count must be positive, not 0";
}

void TestEvaluation::rejectsBadClassificationInput()
{
    QFETCH(Labels, truth);
    QFETCH(Labels, predicted);
    QFETCH(qint64, classCount);
    QFETCH(QStringList, classNames);
    QFETCH(QString, message);

    std::vector<std::string> names;
    for (const QString &name : classNames)
        names.push_back(name.toStdString());
    ML_VERIFY_FAILS(classificationReport(truth, predicted, classCount, unknown, names),
                    message.toStdString());
}

void TestEvaluation::regressionReportByHand()
{
    // truth [1 2 3 4], predicted [1.5 2 2 5]: errors -0.5, 0, 1, -1.
    // MSE (0.25 + 0 + 1 + 1) / 4 = 0.5625, RMSE 0.75, MAE (0.5 + 0 + 1 + 1) / 4 = 0.625.
    // Mean truth 2.5, SS_tot 2.25 + 0.25 + 0.25 + 2.25 = 5, SS_res 2.25: R^2 1 - 2.25/5 = 0.55.
    const Result<RegressionReport> report = regressionReport({1, 2, 3, 4}, {1.5f, 2, 2, 5}, 0.6);
    ML_VERIFY_OK(report);
    QCOMPARE(report->sampleCount, std::int64_t(4));
    QCOMPARE(report->meanLoss, 0.6);
    QCOMPARE(report->mse, 0.5625);
    QCOMPARE(report->rmse, 0.75);
    QCOMPARE(report->mae, 0.625);
    COMPARE_NEAR(report->r2, 0.55);

    // Worse than predicting the mean: truth [1 2 3], predicted [3 2 1]. SS_res 8, SS_tot 2.
    const Result<RegressionReport> reversed = regressionReport({1, 2, 3}, {3, 2, 1}, unknown);
    ML_VERIFY_OK(reversed);
    COMPARE_NEAR(reversed->r2, -3.0);

    for (const auto &[name, value] : std::vector<std::pair<std::string, double>>{
             {"loss", 0.6}, {"mse", 0.5625}, {"rmse", 0.75}, {"mae", 0.625}, {"r2", 0.55}}) {
        const Result<double> metric = metricValue(*report, name);
        ML_VERIFY_OK(metric);
        QVERIFY2(near(*metric, value), name.c_str());
    }
}

void TestEvaluation::regressionOfConstantTruth()
{
    // SS_tot is 0: scikit-learn's convention, 1 for exact predictions, 0 otherwise.
    const Result<RegressionReport> exact = regressionReport({2, 2, 2}, {2, 2, 2}, unknown);
    ML_VERIFY_OK(exact);
    QCOMPARE(exact->mse, 0.0);
    QCOMPARE(exact->r2, 1.0);

    const Result<RegressionReport> off = regressionReport({2, 2, 2}, {2, 2, 3}, unknown);
    ML_VERIFY_OK(off);
    COMPARE_NEAR(off->mse, 1.0 / 3);
    QCOMPARE(off->r2, 0.0);
}

void TestEvaluation::regressionOfOneSample()
{
    // R^2 of one sample is not defined (scikit-learn returns NaN too); the errors are.
    const Result<RegressionReport> report = regressionReport({3}, {1}, unknown);
    ML_VERIFY_OK(report);
    QCOMPARE(report->mse, 4.0);
    QCOMPARE(report->rmse, 2.0);
    QCOMPARE(report->mae, 2.0);
    QVERIFY(std::isnan(report->r2));
}

void TestEvaluation::divergedPredictionsGiveNaN()
{
    const float notANumber = std::numeric_limits<float>::quiet_NaN();
    const Result<RegressionReport> report =
        regressionReport({1, 2, 3}, {1, notANumber, 3}, unknown);
    ML_VERIFY_OK(report);
    QVERIFY(std::isnan(report->mse));
    QVERIFY(std::isnan(report->r2));

    // Such a challenger never replaces a working champion, whichever metric decides.
    for (const char *metric : {"mse", "rmse", "mae", "r2"}) {
        const Result<PromotionDecision> decision =
            decidePromotion(regressorScoring(1.0, 0.5, 3), *report, {metric, 0.0});
        ML_VERIFY_OK(decision);
        QVERIFY2(!decision->promote, metric);
    }
}

void TestEvaluation::rejectsBadRegressionInput_data()
{
    QTest::addColumn<Values>("truth");
    QTest::addColumn<Values>("predicted");
    QTest::addColumn<QString>("message");

    const float infinity = std::numeric_limits<float>::infinity();
    QTest::newRow("lengths differ")
        << Values{1, 2} << Values{1, 2, 3} << "2 true targets but 3 predictions";
    QTest::newRow("empty") << Values{} << Values{} << "no samples to evaluate";
    QTest::newRow("NaN target") << Values{1, std::numeric_limits<float>::quiet_NaN()}
                                << Values{1, 2} << "true target 1 is NaN, not a finite number";
    QTest::newRow("infinite target")
        << Values{infinity, 1} << Values{1, 2} << "true target 0 is inf, not a finite number";
}

void TestEvaluation::rejectsBadRegressionInput()
{
    QFETCH(Values, truth);
    QFETCH(Values, predicted);
    QFETCH(QString, message);
    ML_VERIFY_FAILS(regressionReport(truth, predicted, unknown), message.toStdString());
}

void TestEvaluation::unknownMetricNamesFail()
{
    const ClassificationReport classifier = classifierScoring(0.9, 0.3);
    const RegressionReport regressor = regressorScoring(1.0, 0.5);
    ML_VERIFY_FAILS(metricValue(classifier, "f1"), "'f1' is not a classification metric",
                    "accuracy", "macro_f1", "weighted_recall");
    ML_VERIFY_FAILS(metricValue(classifier, "mse"), "'mse' is not a classification metric");
    ML_VERIFY_FAILS(metricValue(regressor, "accuracy"), "'accuracy' is not a regression metric",
                    "known: loss, mse, rmse, mae, r2");
    ML_VERIFY_FAILS(metricValue(regressor, "R2"), "'R2' is not a regression metric");
}

void TestEvaluation::directionOfEachMetric_data()
{
    QTest::addColumn<QString>("metric");
    QTest::addColumn<bool>("higher");

    for (const char *name : {"accuracy", "macro_f1", "weighted_f1", "macro_precision",
                             "macro_recall", "weighted_precision", "weighted_recall", "r2"})
        QTest::newRow(name) << QString::fromLatin1(name) << true;
    for (const char *name : {"loss", "mse", "rmse", "mae", "no_such_metric"})
        QTest::newRow(name) << QString::fromLatin1(name) << false;
}

void TestEvaluation::directionOfEachMetric()
{
    QFETCH(QString, metric);
    QFETCH(bool, higher);
    QCOMPARE(higherIsBetter(metric.toStdString()), higher);
}

void TestEvaluation::promotionByAccuracy_data()
{
    QTest::addColumn<double>("champion");
    QTest::addColumn<double>("challenger");
    QTest::addColumn<double>("margin");
    QTest::addColumn<bool>("promote");
    QTest::addColumn<QString>("reason");

    QTest::newRow("beats the margin")
        << 0.895 << 0.9012 << 0.005 << true
        << "challenger accuracy 0.9012 beats champion 0.895 by 0.0062 >= 0.005";
    QTest::newRow("meets the margin exactly")
        << 0.895 << 0.9 << 0.005 << true
        << "challenger accuracy 0.9 beats champion 0.895 by 0.005 >= 0.005";
    QTest::newRow("better but short of the margin")
        << 0.895 << 0.898 << 0.005 << false
        << "challenger accuracy 0.898 is better than champion 0.895 by 0.003, less than the "
           "required 0.005";
    QTest::newRow("slightly better, no margin")
        << 0.9 << 0.9001 << 0.0 << true
        << "challenger accuracy 0.9001 beats champion 0.9 by 0.0001 >= 0";
    QTest::newRow("tie, no margin") << 0.9 << 0.9 << 0.0 << false
                                    << "challenger accuracy 0.9 ties champion 0.9; a tie keeps "
                                       "the champion";
    QTest::newRow("tie, with margin") << 0.9 << 0.9 << 0.01 << false << "a tie keeps the champion";
    QTest::newRow("worse") << 0.9 << 0.85 << 0.0 << false
                           << "challenger accuracy 0.85 is worse than champion 0.9 by 0.05";
}

void TestEvaluation::promotionByAccuracy()
{
    QFETCH(double, champion);
    QFETCH(double, challenger);
    QFETCH(double, margin);
    QFETCH(bool, promote);
    QFETCH(QString, reason);

    const Result<PromotionDecision> decision = decidePromotion(
        classifierScoring(champion, 0.3), classifierScoring(challenger, 0.3), {"accuracy", margin});
    ML_VERIFY_OK(decision);
    QCOMPARE(decision->promote, promote);
    QCOMPARE(decision->metric, std::string("accuracy"));
    QCOMPARE(decision->champion, champion);
    QCOMPARE(decision->challenger, challenger);
    COMPARE_NEAR(decision->improvement, challenger - champion);
    QCOMPARE(decision->required, margin);
    QVERIFY2(decision->reason.find(reason.toStdString()) != std::string::npos,
             decision->reason.c_str());
}

void TestEvaluation::promotionByLowerIsBetterLoss_data()
{
    QTest::addColumn<double>("champion");
    QTest::addColumn<double>("challenger");
    QTest::addColumn<double>("margin");
    QTest::addColumn<bool>("promote");
    QTest::addColumn<double>("improvement");

    QTest::newRow("lower loss wins") << 0.40 << 0.35 << 0.0 << true << 0.05;
    // 0.35 - 0.30 is 0.04999999999999999 in binary; the rule forgives the rounding.
    QTest::newRow("meets the margin despite rounding") << 0.35 << 0.30 << 0.05 << true << 0.05;
    QTest::newRow("lower but short of the margin") << 0.35 << 0.33 << 0.05 << false << 0.02;
    QTest::newRow("higher loss loses") << 0.40 << 0.45 << 0.0 << false << -0.05;
    QTest::newRow("tie") << 0.40 << 0.40 << 0.0 << false << 0.0;
}

void TestEvaluation::promotionByLowerIsBetterLoss()
{
    QFETCH(double, champion);
    QFETCH(double, challenger);
    QFETCH(double, margin);
    QFETCH(bool, promote);
    QFETCH(double, improvement);

    // The accuracies say the opposite, so only the loss can be deciding.
    const Result<PromotionDecision> decision = decidePromotion(
        classifierScoring(0.9, champion), classifierScoring(0.8, challenger), {"loss", margin});
    ML_VERIFY_OK(decision);
    QCOMPARE(decision->promote, promote);
    COMPARE_NEAR(decision->improvement, improvement);
    QVERIFY2(decision->reason.find("challenger loss") != std::string::npos,
             decision->reason.c_str());
}

void TestEvaluation::promotionOfRegressors()
{
    const RegressionReport champion = regressorScoring(2.0, 0.60);
    const RegressionReport challenger = regressorScoring(1.5, 0.70);

    const Result<PromotionDecision> byMse = decidePromotion(champion, challenger, {"mse", 0.25});
    ML_VERIFY_OK(byMse);
    QVERIFY(byMse->promote);
    QCOMPARE(byMse->improvement, 0.5);
    QCOMPARE(byMse->reason, std::string("challenger mse 1.5 beats champion 2 by 0.5 >= 0.25"));

    const Result<PromotionDecision> byR2 = decidePromotion(champion, challenger, {"r2", 0.0});
    ML_VERIFY_OK(byR2);
    QVERIFY(byR2->promote);
    COMPARE_NEAR(byR2->improvement, 0.1);

    // Swapped, the better model is the champion and stays.
    const Result<PromotionDecision> back = decidePromotion(challenger, champion, {"rmse", 0.0});
    ML_VERIFY_OK(back);
    QVERIFY(!back->promote);
    QVERIFY(back->improvement < 0);

    ML_VERIFY_FAILS(decidePromotion(champion, challenger, {}),
                    "'accuracy' is not a regression metric");
}

void TestEvaluation::promotionWithUnknownValues()
{
    // Challenger's loss unknown: never promoted, whatever the champion's.
    for (const double championLoss : {0.3, unknown}) {
        const Result<PromotionDecision> decision = decidePromotion(
            classifierScoring(0.9, championLoss), classifierScoring(0.95, unknown), {"loss", 0.0});
        ML_VERIFY_OK(decision);
        QVERIFY(!decision->promote);
        QVERIFY(std::isnan(decision->improvement));
        QVERIFY2(decision->reason.find("challenger loss is unknown (NaN)") != std::string::npos,
                 decision->reason.c_str());
    }

    // Champion's loss unknown, challenger's known: promoted, and the reason says why.
    const Result<PromotionDecision> decision = decidePromotion(
        classifierScoring(0.9, unknown), classifierScoring(0.8, 0.3), {"loss", 0.1});
    ML_VERIFY_OK(decision);
    QVERIFY(decision->promote);
    QVERIFY(std::isnan(decision->champion));
    QCOMPARE(decision->challenger, 0.3);
    QCOMPARE(decision->reason, std::string("challenger loss 0.3 replaces champion whose loss is "
                                           "unknown (NaN): a known figure beats an unknown one"));
}

void TestEvaluation::promotionOfReportsFromPredictions()
{
    // The same 10-sample test set: the champion gets 7 right, the challenger 8.
    const Labels truth = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2};
    const Result<ClassificationReport> champion =
        classificationReport(truth, {0, 0, 0, 1, 2, 1, 1, 0, 2, 2}, 3, 0.61);
    const Result<ClassificationReport> challenger =
        classificationReport(truth, {0, 0, 0, 0, 2, 1, 1, 0, 2, 2}, 3, 0.55);
    ML_VERIFY_OK(champion);
    ML_VERIFY_OK(challenger);

    const Result<PromotionDecision> byAccuracy = decidePromotion(*champion, *challenger, {});
    ML_VERIFY_OK(byAccuracy);
    QVERIFY(byAccuracy->promote);
    COMPARE_NEAR(byAccuracy->improvement, 0.1);

    // One more correct sample is not the 0.2 this rule asks for.
    const Result<PromotionDecision> strict =
        decidePromotion(*champion, *challenger, {"macro_f1", 0.2});
    ML_VERIFY_OK(strict);
    QVERIFY(!strict->promote);
    QVERIFY(strict->improvement > 0);
}

void TestEvaluation::promotionNeedsTheSameTestSet()
{
    ML_VERIFY_FAILS(
        decidePromotion(classifierScoring(0.9, 0.3, 1000), classifierScoring(0.95, 0.2, 999), {}),
        "champion was evaluated on 1000 samples and the challenger on 999",
        "not the same test set");
    ML_VERIFY_FAILS(decidePromotion(regressorScoring(1.0, 0.5, 20), regressorScoring(0.5, 0.9, 21),
                                    {"mse", 0.0}),
                    "20 samples and the challenger on 21");

    ClassificationReport fewerClasses = classifierScoring(0.95, 0.2);
    fewerClasses.perClass.resize(9);
    ML_VERIFY_FAILS(decidePromotion(classifierScoring(0.9, 0.3), fewerClasses, {}),
                    "over 10 classes and the challenger over 9");
}

void TestEvaluation::promotionRejectsBadRules()
{
    const ClassificationReport champion = classifierScoring(0.9, 0.3);
    const ClassificationReport challenger = classifierScoring(0.95, 0.2);
    ML_VERIFY_FAILS(decidePromotion(champion, challenger, {"f1", 0.0}),
                    "'f1' is not a classification metric");
    ML_VERIFY_FAILS(decidePromotion(champion, challenger, {"accuracy", -0.01}),
                    "minimum improvement", "finite number >= 0, not -0.01");
    ML_VERIFY_FAILS(decidePromotion(champion, challenger, {"accuracy", unknown}),
                    "finite number >= 0, not NaN");
}

void TestEvaluation::classificationJsonRoundTrip()
{
    const Result<ClassificationReport> report =
        classificationReport({0, 0, 0, 0, 0, 1, 1, 1, 2, 2}, {0, 0, 0, 1, 2, 1, 1, 0, 2, 2}, 3,
                             0.42, {"cat", "dog", "owl"});
    ML_VERIFY_OK(report);
    const nlohmann::json json = nlohmann::json::parse(toJson(*report));

    QCOMPARE(json.at("format").get<std::string>(), std::string("millrace.classification-report"));
    QCOMPARE(json.at("version").get<int>(), 1);
    QCOMPARE(json.at("samples").get<std::int64_t>(), std::int64_t(10));
    QCOMPARE(json.at("loss").get<double>(), 0.42);
    QCOMPARE(json.at("accuracy").get<double>(), report->accuracy);

    const nlohmann::json &classes = json.at("classes");
    QCOMPARE(classes.size(), std::size_t(3));
    for (std::size_t c = 0; c < 3; ++c) {
        QCOMPARE(classes[c].at("index").get<std::size_t>(), c);
        QCOMPARE(classes[c].at("name").get<std::string>(), report->classNames[c]);
        // Shortest round-trip form: the parsed doubles are the very same values.
        QCOMPARE(classes[c].at("precision").get<double>(), report->perClass[c].precision);
        QCOMPARE(classes[c].at("recall").get<double>(), report->perClass[c].recall);
        QCOMPARE(classes[c].at("f1").get<double>(), report->perClass[c].f1);
        QCOMPARE(classes[c].at("support").get<std::int64_t>(), report->perClass[c].support);
    }
    QCOMPARE(json.at("macro_avg").at("f1").get<double>(), report->macro.f1);
    QCOMPARE(json.at("weighted_avg").at("precision").get<double>(), report->weighted.precision);
    QCOMPARE(json.at("confusion_matrix").get<Matrix>(), (Matrix{{3, 1, 1}, {1, 2, 0}, {0, 0, 2}}));

    // Unknown loss is null; without class names, the entries carry none.
    const Result<ClassificationReport> unnamed = classificationReport({0, 1}, {1, 1}, 2, unknown);
    ML_VERIFY_OK(unnamed);
    const nlohmann::json unnamedJson = nlohmann::json::parse(toJson(*unnamed));
    QVERIFY(unnamedJson.at("loss").is_null());
    QVERIFY(!unnamedJson.at("classes")[0].contains("name"));
    QCOMPARE(unnamedJson.at("confusion_matrix").get<Matrix>(), (Matrix{{0, 1}, {0, 1}}));
}

void TestEvaluation::regressionJsonWritesUnknownsAsNull()
{
    const Result<RegressionReport> report = regressionReport({3}, {1}, unknown);
    ML_VERIFY_OK(report);
    const nlohmann::json json = nlohmann::json::parse(toJson(*report));
    QCOMPARE(json.at("format").get<std::string>(), std::string("millrace.regression-report"));
    QCOMPARE(json.at("samples").get<std::int64_t>(), std::int64_t(1));
    QCOMPARE(json.at("mse").get<double>(), 4.0);
    QCOMPARE(json.at("mae").get<double>(), 2.0);
    QVERIFY(json.at("loss").is_null());
    QVERIFY(json.at("r2").is_null());
}

void TestEvaluation::argmaxPicksTheFirstHighestScore()
{
    const float notANumber = std::numeric_limits<float>::quiet_NaN();
    // clang-format off
    const std::vector<float> scores = {
        0.1f, 0.7f, 0.2f,         // clear winner: 1
        -3.0f, -1.0f, -1.0f,      // negative logits, tie between 1 and 2: the first, 1
        0.5f, 0.5f, 0.5f,         // all equal: 0
        notANumber, 0.2f, 0.9f,   // NaN passed over: 2
        notANumber, notANumber, notANumber, // nothing to choose: 0
        0.0f, 0.0f, 4.0f,         // last column: 2
    };
    // clang-format on
    QCOMPARE(argmaxRows(scores.data(), 6, 3), (Labels{1, 1, 0, 2, 0, 2}));
    QCOMPARE(argmaxRows(scores.data(), 0, 3), Labels{});
    QCOMPARE(argmaxRows(scores.data(), 3, 0), Labels{});
    // The same scores seen as 9 rows of 2: row 2 is {-1, -1} (0), row 7 {NaN, 0} (1).
    QCOMPARE(argmaxRows(scores.data(), 9, 2), (Labels{1, 0, 0, 0, 0, 1, 0, 1, 1}));
}

QTEST_GUILESS_MAIN(TestEvaluation)
#include "tst_evaluation.moc"

#include "core/ml/hyperparametersearch.h"

#include "mlverify.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>

using namespace millrace::ml;

using Kind = HyperparameterSpec::Kind;

Q_DECLARE_METATYPE(millrace::ml::SearchSpace)

namespace {

constexpr double notANumber = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();

HyperparameterSpec numberSpec(const std::string &name, Kind kind, double min, double max,
                              HyperValue defaultValue, bool logScale = false)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = kind;
    spec.min = min;
    spec.max = max;
    spec.logScale = logScale;
    spec.defaultValue = std::move(defaultValue);
    return spec;
}

HyperparameterSpec booleanSpec(const std::string &name)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = Kind::Boolean;
    spec.defaultValue = false;
    return spec;
}

HyperparameterSpec choiceSpec(const std::string &name, std::vector<std::string> choices)
{
    HyperparameterSpec spec;
    spec.name = name;
    spec.kind = Kind::Choice;
    spec.defaultValue = choices.front();
    spec.choices = std::move(choices);
    return spec;
}

// A trainer's space with a hyperparameter of every kind.
SearchSpace trainerSpace()
{
    return {numberSpec("lr", Kind::Real, 1e-5, 1e-1, 1e-3, true),
            numberSpec("epochs", Kind::Integer, 1, 8, std::int64_t(2)),
            numberSpec("width", Kind::Integer, 16, 512, std::int64_t(128), true),
            numberSpec("dropout", Kind::Real, 0, 0.5, 0.0),
            booleanSpec("batchnorm"),
            choiceSpec("optimizer", {"sgd", "adam", "rmsprop"})};
}

// Ranges at their limits: single values, bounds between whole numbers, negatives.
SearchSpace edgeSpace()
{
    return {numberSpec("fixed", Kind::Real, 0.9, 0.9, 0.9),
            numberSpec("fixedlog", Kind::Real, 1e-3, 1e-3, 1e-3, true),
            numberSpec("one", Kind::Integer, 7, 7, std::int64_t(7)),
            numberSpec("fractional bounds", Kind::Integer, 0.5, 3.7, std::int64_t(2)),
            numberSpec("fractional log", Kind::Integer, 0.2, 2.5, std::int64_t(1), true),
            numberSpec("negative", Kind::Integer, -5, -2, std::int64_t(-3)),
            numberSpec("negative real", Kind::Real, -1, -0.5, -0.75),
            numberSpec("tiny log", Kind::Real, 1e-12, 1e-11, 5e-12, true),
            choiceSpec("single", {"only"})};
}

// The sampler under test by name, over a space known to be valid.
std::unique_ptr<Sampler> samplerFor(const std::string &method, const SearchSpace &space,
                                    std::uint64_t seed)
{
    Result<std::unique_ptr<Sampler>> sampler = makeSampler(method, space, seed);
    if (!sampler)
        qFatal("%s", sampler.errorMessage().c_str());
    return std::move(sampler).value();
}

// A stand-in for a training's validation loss: best near lr = 10^-2.5, width 96 and Adam.
double syntheticLoss(const Hyperparameters &values)
{
    const double lrTerm = std::log10(hyperValue<double>(values, "lr")) + 2.5;
    const double widthTerm = (double(hyperValue<std::int64_t>(values, "width")) - 96) / 64;
    const double optimizerTerm = hyperValue<std::string>(values, "optimizer") == "adam" ? 0 : 0.5;
    return lrTerm * lrTerm + widthTerm * widthTerm + optimizerTerm;
}

// The space syntheticLoss() is searched over: three hyperparameters that matter, two that don't.
SearchSpace syntheticSpace()
{
    return {numberSpec("lr", Kind::Real, 1e-5, 1e-1, 1e-3, true),
            numberSpec("width", Kind::Integer, 16, 512, std::int64_t(128)),
            choiceSpec("optimizer", {"sgd", "adam", "rmsprop"}),
            numberSpec("dropout", Kind::Real, 0, 0.5, 0.0), booleanSpec("batchnorm")};
}

// The best loss a search with `budget` trials finds.
double bestFound(const std::string &method, std::uint64_t seed, int budget)
{
    const std::unique_ptr<Sampler> sampler = samplerFor(method, syntheticSpace(), seed);
    double best = infinity;
    for (int trial = 0; trial < budget; ++trial) {
        const Hyperparameters values = sampler->suggest();
        const double loss = syntheticLoss(values);
        sampler->tell(values, loss);
        best = std::min(best, loss);
    }
    return best;
}

// A search's first `count` suggestions over a space with "lr", each told an objective derived
// from its values, so that TPE's sequence depends on the tells too.
std::vector<Hyperparameters> runSearch(Sampler &sampler, int count)
{
    std::vector<Hyperparameters> suggestions;
    for (int trial = 0; trial < count; ++trial) {
        suggestions.push_back(sampler.suggest());
        sampler.tell(suggestions.back(),
                     std::abs(std::log10(hyperValue<double>(suggestions.back(), "lr")) + 3));
    }
    return suggestions;
}

} // namespace

class TestHyperparameterSearch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void suggestionsAreValid_data();
    void suggestionsAreValid();
    void randomIntegersCoverTheirRangeEvenly();
    void logScaleDrawsCoverDecadesEvenly();
    void sameSeedSameSequence_data();
    void sameSeedSameSequence();
    void tpeStartsWithRandomDraws();
    void tpeSurvivesFailedTrials();
    void tpeAvoidsWhatFails();
    void tpeIgnoresValuesOutsideTheSpace();
    void tpeBeatsRandomSearch();
    void makeSamplerRejectsBadInput();
};

void TestHyperparameterSearch::suggestionsAreValid_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<SearchSpace>("space");
    for (const char *method : {"random", "tpe"}) {
        QTest::addRow("%s, every kind", method) << method << trainerSpace();
        QTest::addRow("%s, edge ranges", method) << method << edgeSpace();
        QTest::addRow("%s, empty", method) << method << SearchSpace{};
    }
}

void TestHyperparameterSearch::suggestionsAreValid()
{
    QFETCH(QString, method);
    QFETCH(SearchSpace, space);
    ML_VERIFY_OK(validateSpace(space));
    const std::unique_ptr<Sampler> sampler = samplerFor(method.toStdString(), space, 11);

    for (int trial = 0; trial < 300; ++trial) {
        const Hyperparameters values = sampler->suggest();
        QCOMPARE(values.size(), space.size());
        const Result<Hyperparameters> resolved = resolveHyperparameters(space, values);
        ML_VERIFY_OK(resolved);
        // Unchanged by resolving: no integer stands in for a real, nothing was missing.
        QVERIFY(*resolved == values);
        // Some trials fail, so TPE's model is exercised on both kinds of outcome.
        sampler->tell(values, trial % 7 == 3 ? notANumber : double((trial * 37) % 11));
    }
}

void TestHyperparameterSearch::randomIntegersCoverTheirRangeEvenly()
{
    // Rounding must not halve the chances of the end values.
    RandomSampler sampler({numberSpec("epochs", Kind::Integer, 1, 4, std::int64_t(1))}, 3);
    std::map<std::int64_t, int> counts;
    for (int i = 0; i < 4000; ++i)
        ++counts[hyperValue<std::int64_t>(sampler.suggest(), "epochs")];
    QCOMPARE(counts.size(), std::size_t(4));
    for (const auto &[value, count] : counts)
        QVERIFY2(count > 900 && count < 1100, qPrintable(QString::number(count)));
}

void TestHyperparameterSearch::logScaleDrawsCoverDecadesEvenly()
{
    RandomSampler sampler({numberSpec("lr", Kind::Real, 1e-5, 1e-1, 1e-3, true),
                           numberSpec("dropout", Kind::Real, 0, 0.5, 0.0)},
                          2024);
    const int draws = 2000;
    std::vector<int> perDecade(4, 0);
    int belowGeometricMean = 0;
    int belowMiddle = 0;
    for (int i = 0; i < draws; ++i) {
        const Hyperparameters values = sampler.suggest();
        const double lr = hyperValue<double>(values, "lr");
        ++perDecade[std::size_t(std::clamp(int(std::floor(std::log10(lr) + 5)), 0, 3))];
        belowGeometricMean += lr < 1e-3;
        belowMiddle += hyperValue<double>(values, "dropout") < 0.25;
    }
    // 2,000 draws: a standard deviation of about 1.1 points for a half, 1 for a quarter.
    QVERIFY2(std::abs(belowGeometricMean / double(draws) - 0.5) < 0.04,
             qPrintable(QString::number(belowGeometricMean)));
    for (const int count : perDecade)
        QVERIFY2(std::abs(count / double(draws) - 0.25) < 0.04, qPrintable(QString::number(count)));
    // Without a log scale, half the draws fall below the arithmetic middle instead.
    QVERIFY2(std::abs(belowMiddle / double(draws) - 0.5) < 0.04,
             qPrintable(QString::number(belowMiddle)));
}

void TestHyperparameterSearch::sameSeedSameSequence_data()
{
    QTest::addColumn<QString>("method");
    QTest::newRow("random") << "random";
    QTest::newRow("tpe") << "tpe";
}

void TestHyperparameterSearch::sameSeedSameSequence()
{
    QFETCH(QString, method);
    const std::unique_ptr<Sampler> first = samplerFor(method.toStdString(), trainerSpace(), 5);
    const std::unique_ptr<Sampler> second = samplerFor(method.toStdString(), trainerSpace(), 5);
    const std::unique_ptr<Sampler> other = samplerFor(method.toStdString(), trainerSpace(), 6);
    const std::vector<Hyperparameters> firstRun = runSearch(*first, 20);
    const std::vector<Hyperparameters> secondRun = runSearch(*second, 20);
    const std::vector<Hyperparameters> otherRun = runSearch(*other, 20);
    QVERIFY(firstRun == secondRun);
    // Another seed shares no trial: with real-valued lr, a repeat would be a broken generator.
    for (std::size_t i = 0; i < firstRun.size(); ++i)
        QVERIFY(firstRun[i].at("lr") != otherRun[i].at("lr"));
}

void TestHyperparameterSearch::tpeStartsWithRandomDraws()
{
    TpeOptions options;
    options.startupTrials = 3;
    TpeSampler tpe(trainerSpace(), 77, options);
    RandomSampler random(trainerSpace(), 77);
    for (int trial = 0; trial < 3; ++trial) {
        const Hyperparameters values = tpe.suggest();
        QVERIFY(values == random.suggest());
        tpe.tell(values, trial);
    }
    // From the fourth trial on the model decides, and draws many candidates per value.
    QVERIFY(tpe.suggest() != random.suggest());
}

void TestHyperparameterSearch::tpeSurvivesFailedTrials()
{
    const SearchSpace space = trainerSpace();
    TpeSampler sampler(space, 8);
    // Only failures: nothing to model, so the draws stay random and valid.
    for (int trial = 0; trial < 10; ++trial) {
        const Hyperparameters values = sampler.suggest();
        ML_VERIFY_OK(resolveHyperparameters(space, values));
        sampler.tell(values, trial % 2 ? notANumber : -infinity);
    }
    // Then a mixture, with failures of every kind and huge but finite objectives.
    const double objectives[] = {1.0,   notANumber, infinity, -infinity,
                                 1e308, -1e308,     0.0,      notANumber};
    for (int trial = 0; trial < 40; ++trial) {
        const Hyperparameters values = sampler.suggest();
        ML_VERIFY_OK(resolveHyperparameters(space, values));
        sampler.tell(values, objectives[trial % 8]);
    }
}

void TestHyperparameterSearch::tpeAvoidsWhatFails()
{
    // Trainings with SGD diverge (NaN loss): ranked worst, so TPE turns to the other optimizers
    // even though the failures carry no number to compare.
    int sgdSuggested = 0;
    int suggestions = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        TpeSampler sampler(trainerSpace(), seed);
        for (int trial = 0; trial < 20; ++trial) {
            const Hyperparameters values = sampler.suggest();
            const bool sgd = hyperValue<std::string>(values, "optimizer") == "sgd";
            if (trial >= 8) {
                sgdSuggested += sgd;
                ++suggestions;
            }
            sampler.tell(values, sgd ? notANumber : 1.0 + hyperValue<double>(values, "dropout"));
        }
    }
    // Random search would pick SGD a third of the time.
    QVERIFY2(sgdSuggested < suggestions / 6,
             qPrintable(QStringLiteral("%1 of %2").arg(sgdSuggested).arg(suggestions)));
}

void TestHyperparameterSearch::tpeIgnoresValuesOutsideTheSpace()
{
    const SearchSpace space = trainerSpace();
    TpeSampler sampler(space, 4);
    TpeSampler reference(space, 4);
    for (int trial = 0; trial < 12; ++trial) {
        const Hyperparameters values = sampler.suggest();
        QVERIFY(values == reference.suggest());
        sampler.tell(values, trial);
        reference.tell(values, trial);
        // Told only to `sampler`; were they counted, the two would part ways.
        sampler.tell({{"momentum", 0.9}}, -1);
        sampler.tell({{"lr", std::string("fast")}}, -1);
        sampler.tell({{"epochs", std::int64_t(1000)}}, -1);
    }
}

void TestHyperparameterSearch::tpeBeatsRandomSearch()
{
    // A 30-trial budget over 20 seeds. Measured on these seeds: random search's best loss
    // averages 0.54 and TPE's 0.24, TPE better for 17 seeds. On 36 other sets of 20 seeds TPE
    // averaged 0.22 to 0.76 times random's and won for at least 12 seeds; the bounds below
    // hold for all of them.
    const int seeds = 20;
    const int budget = 30;
    double randomTotal = 0;
    double tpeTotal = 0;
    int tpeWins = 0;
    for (std::uint64_t seed = 100; seed < 100 + seeds; ++seed) {
        const double random = bestFound("random", seed, budget);
        const double tpe = bestFound("tpe", seed, budget);
        randomTotal += random;
        tpeTotal += tpe;
        tpeWins += tpe < random;
    }
    const double randomAverage = randomTotal / seeds;
    const double tpeAverage = tpeTotal / seeds;
    const QString figures = QStringLiteral("random %1, tpe %2, tpe better for %3 of %4 seeds")
                                .arg(randomAverage)
                                .arg(tpeAverage)
                                .arg(tpeWins)
                                .arg(seeds);
    qInfo("%s", qPrintable(figures));
    QVERIFY2(tpeAverage < 0.8 * randomAverage, qPrintable(figures));
    QVERIFY2(tpeWins >= 12, qPrintable(figures));
}

void TestHyperparameterSearch::makeSamplerRejectsBadInput()
{
    ML_VERIFY_FAILS(makeSampler("grid", trainerSpace(), 1),
                    "unknown search method 'grid'; expected random or tpe");
    ML_VERIFY_FAILS(makeSampler("TPE", trainerSpace(), 1), "unknown search method 'TPE'");
    SearchSpace invalid = trainerSpace();
    invalid[0].min = 0; // a log scale from zero
    ML_VERIFY_FAILS(makeSampler("tpe", invalid, 1), "hyperparameter 'lr' has a log scale");
    ML_VERIFY_FAILS(makeSampler("random", invalid, 1), "hyperparameter 'lr' has a log scale");

    // A made sampler draws what the class of its name draws.
    const std::unique_ptr<Sampler> made = samplerFor("random", trainerSpace(), 9);
    RandomSampler direct(trainerSpace(), 9);
    QVERIFY(made->suggest() == direct.suggest());
    QCOMPARE(made->space().size(), trainerSpace().size());
}

QTEST_GUILESS_MAIN(TestHyperparameterSearch)
#include "tst_hyperparametersearch.moc"

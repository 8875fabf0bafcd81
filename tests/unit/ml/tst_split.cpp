#include "core/ml/dataset.h"
#include "core/ml/split.h"

#include "mlverify.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

using namespace millrace::ml;

using Indices = std::vector<std::size_t>;

class TestSplit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitMixMatchesReferenceOutput();
    void nextBelowStaysInRangeAndSpreads();
    void splitIsPinnedForAGivenSeed();
    void sameSeedSameSplit();
    void differentSeedDifferentSplit();
    void partsCoverEverySampleOnce_data();
    void partsCoverEverySampleOnce();
    void rejectsBadFractions_data();
    void rejectsBadFractions();
    void splitAppliesToADataset();
};

void TestSplit::splitMixMatchesReferenceOutput()
{
    // Published outputs of SplitMix64 (Vigna's splitmix64.c) for seeds 0 and 1234567: any
    // platform running this code draws the same numbers.
    SplitMix64 zero(0);
    QCOMPARE(zero.next(), 0xE220A8397B1DCDAFULL);
    SplitMix64 generator(1234567);
    const std::vector<std::uint64_t> expected = {6457827717110365317ULL, 3203168211198807973ULL,
                                                 9817491932198370423ULL, 4593380528125082431ULL,
                                                 16408922859458223821ULL};
    for (const std::uint64_t value : expected)
        QCOMPARE(generator.next(), value);
}

void TestSplit::nextBelowStaysInRangeAndSpreads()
{
    SplitMix64 generator(7);
    std::vector<int> counts(10, 0);
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t value = generator.nextBelow(10);
        QVERIFY(value < 10);
        ++counts[value];
    }
    // 2,000 expected per value; a fair generator stays well within +-10%.
    for (const int count : counts)
        QVERIFY2(count > 1800 && count < 2200, qPrintable(QString::number(count)));
    QCOMPARE(generator.nextBelow(1), std::uint64_t(0));
}

void TestSplit::splitIsPinnedForAGivenSeed()
{
    // Worked out with an independent implementation of SplitMix64 + Fisher-Yates: changing the
    // algorithm would silently change every saved experiment's test set.
    const Result<DatasetSplit> split = splitIndices(10, {0.6, 0.2, 0.2}, 42);
    ML_VERIFY_OK(split);
    QCOMPARE(split->train, (Indices{1, 2, 3, 4, 6, 7}));
    QCOMPARE(split->test, (Indices{0, 9}));
    QCOMPARE(split->holdout, (Indices{5, 8}));

    const Result<DatasetSplit> other = splitIndices(10, {0.6, 0.2, 0.2}, 43);
    ML_VERIFY_OK(other);
    QCOMPARE(other->train, (Indices{0, 1, 3, 7, 8, 9}));
    QCOMPARE(other->test, (Indices{2, 4}));
    QCOMPARE(other->holdout, (Indices{5, 6}));
}

void TestSplit::sameSeedSameSplit()
{
    const Result<DatasetSplit> first = splitIndices(5000, {0.7, 0.2, 0.1}, 2024);
    const Result<DatasetSplit> second = splitIndices(5000, {0.7, 0.2, 0.1}, 2024);
    ML_VERIFY_OK(first);
    ML_VERIFY_OK(second);
    QCOMPARE(first->train, second->train);
    QCOMPARE(first->test, second->test);
    QCOMPARE(first->holdout, second->holdout);
}

void TestSplit::differentSeedDifferentSplit()
{
    const Result<DatasetSplit> first = splitIndices(5000, {0.7, 0.2, 0.1}, 1);
    const Result<DatasetSplit> second = splitIndices(5000, {0.7, 0.2, 0.1}, 2);
    ML_VERIFY_OK(first);
    ML_VERIFY_OK(second);
    QVERIFY(first->test != second->test);
    QVERIFY(first->holdout != second->holdout);
    // The test part is a random draw, not a block of neighbouring indices.
    QVERIFY(first->test.back() - first->test.front() > 4000);
}

void TestSplit::partsCoverEverySampleOnce_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<double>("train");
    QTest::addColumn<double>("test");
    QTest::addColumn<double>("holdout");
    QTest::addColumn<int>("testCount");
    QTest::addColumn<int>("holdoutCount");

    QTest::newRow("fashion-mnist shape") << 70000 << 0.8 << 0.1 << 0.1 << 7000 << 7000;
    QTest::newRow("thousand") << 1000 << 0.7 << 0.2 << 0.1 << 200 << 100;
    QTest::newRow("rounding") << 7 << 0.5 << 0.25 << 0.25 << 2 << 2;
    QTest::newRow("no holdout") << 10 << 0.9 << 0.1 << 0.0 << 1 << 0;
    QTest::newRow("all train") << 5 << 1.0 << 0.0 << 0.0 << 0 << 0;
    QTest::newRow("all test") << 5 << 0.0 << 1.0 << 0.0 << 5 << 0;
    QTest::newRow("empty") << 0 << 0.8 << 0.1 << 0.1 << 0 << 0;
    QTest::newRow("one sample") << 1 << 0.5 << 0.5 << 0.0 << 1 << 0;
}

void TestSplit::partsCoverEverySampleOnce()
{
    QFETCH(int, count);
    QFETCH(double, train);
    QFETCH(double, test);
    QFETCH(double, holdout);
    QFETCH(int, testCount);
    QFETCH(int, holdoutCount);

    const Result<DatasetSplit> split = splitIndices(std::size_t(count), {train, test, holdout}, 9);
    ML_VERIFY_OK(split);
    QCOMPARE(split->test.size(), std::size_t(testCount));
    QCOMPARE(split->holdout.size(), std::size_t(holdoutCount));
    QCOMPARE(split->train.size(), std::size_t(count - testCount - holdoutCount));

    Indices all;
    for (const Indices *part : {&split->train, &split->test, &split->holdout}) {
        QVERIFY(std::is_sorted(part->begin(), part->end()));
        all.insert(all.end(), part->begin(), part->end());
    }
    std::sort(all.begin(), all.end());
    Indices expected(static_cast<std::size_t>(count));
    std::iota(expected.begin(), expected.end(), std::size_t(0));
    QCOMPARE(all, expected); // every index once: no overlap, nothing missing
}

void TestSplit::rejectsBadFractions_data()
{
    QTest::addColumn<double>("train");
    QTest::addColumn<double>("test");
    QTest::addColumn<double>("holdout");
    QTest::addColumn<QString>("expected");
    QTest::newRow("sum above 1") << 0.8 << 0.2 << 0.1 << "add up to 1.1";
    QTest::newRow("sum below 1") << 0.5 << 0.2 << 0.1 << "add up to 0.8";
    QTest::newRow("negative") << 0.8 << -0.2 << 0.4 << "fraction for test (-0.2";
    QTest::newRow("above 1") << 1.5 << 0.0 << -0.5 << "fraction for train (1.5";
    QTest::newRow("nan") << 0.5 << std::numeric_limits<double>::quiet_NaN() << 0.5
                         << "fraction for test (nan) is outside [0, 1]";
}

void TestSplit::rejectsBadFractions()
{
    QFETCH(double, train);
    QFETCH(double, test);
    QFETCH(double, holdout);
    QFETCH(QString, expected);
    ML_VERIFY_FAILS(splitIndices(100, {train, test, holdout}, 1), expected.toStdString());
}

void TestSplit::splitAppliesToADataset()
{
    // Sample i has features {i, -i} and class i % 3: a subset must keep the pairs together.
    Dataset dataset;
    dataset.sampleShape = {2};
    dataset.classCount = 3;
    for (int i = 0; i < 30; ++i) {
        dataset.features.push_back(float(i));
        dataset.features.push_back(float(-i));
        dataset.classLabels.push_back(i % 3);
    }
    ML_VERIFY_OK(dataset.validate());

    const Result<DatasetSplit> split = splitIndices(dataset.size(), {0.6, 0.2, 0.2}, 5);
    ML_VERIFY_OK(split);
    const Dataset test = dataset.subset(split->test);
    ML_VERIFY_OK(test.validate());
    QCOMPARE(test.size(), std::size_t(6));
    QCOMPARE(test.classCount, std::int64_t(3));
    for (std::size_t k = 0; k < test.size(); ++k) {
        const auto original = std::int64_t(split->test[k]);
        QCOMPARE(test.features[2 * k], float(original));
        QCOMPARE(test.features[2 * k + 1], float(-original));
        QCOMPARE(test.classLabels[k], original % 3);
    }
    QVERIFY_THROWS_EXCEPTION(std::out_of_range, dataset.subset({30}));
}

QTEST_GUILESS_MAIN(TestSplit)
#include "tst_split.moc"

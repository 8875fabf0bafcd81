#include "core/ml/dataset.h"
#include "core/ml/samplebatch.h"

#include "mlverify.h"

#include <QTest>

#include <limits>
#include <vector>

using namespace millrace::ml;

class TestSampleBatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void collectsSamplesAndOffsets();
    void refusedSamplesLeaveTheBatchAlone();
    void regressionBatch();
    void takeDatasetEmptiesTheBatch();
    void mixesWithReplayData();
    void datasetValidationNamesTheProblem();
};

void TestSampleBatch::collectsSamplesAndOffsets()
{
    SampleBatch batch = SampleBatch::forClassification({2, 2}, 3, {"a", "b", "c"});
    QVERIFY(batch.isEmpty());
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{1, 2, 3, 4}, 2, {"images", 0, 100}));
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{5, 6, 7, 8}, 0, {"images", 1, 40}));
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{9, 10, 11, 12}, 1, {"images", 0, 105}));
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{0, 0, 0, 0}, 1));

    QCOMPARE(batch.size(), std::size_t(4));
    QCOMPARE(batch.task(), TaskKind::Classification);
    QCOMPARE(batch.sampleShape(), (std::vector<std::int64_t>{2, 2}));
    // Offsets need not be contiguous (a compacted topic, filtered messages).
    const std::vector<OffsetRange> expected = {{"images", 0, 100, 105, 2},
                                               {"images", 1, 40, 40, 1}};
    QCOMPARE(batch.offsetRanges(), expected);

    const Dataset &dataset = batch.dataset();
    ML_VERIFY_OK(dataset.validate());
    QCOMPARE(dataset.size(), std::size_t(4));
    QCOMPARE(dataset.features,
             (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0}));
    QCOMPARE(dataset.classLabels, (std::vector<std::int64_t>{2, 0, 1, 1}));
    QCOMPARE(dataset.classCount, std::int64_t(3));
    QCOMPARE(dataset.classNames, (std::vector<std::string>{"a", "b", "c"}));
}

void TestSampleBatch::refusedSamplesLeaveTheBatchAlone()
{
    SampleBatch batch = SampleBatch::forClassification({3}, 2);
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{1, 2, 3}, 1, {"t", 0, 10}));

    ML_VERIFY_FAILS(batch.appendClass(std::vector<float>{1, 2}, 0, {"t", 0, 11}),
                    "t/0@11: ", "sample has 2 features, the batch expects 3");
    ML_VERIFY_FAILS(batch.appendClass(std::vector<float>{1, 2, 3}, 2), "class 2 is outside [0, 2)");
    ML_VERIFY_FAILS(batch.appendClass(std::vector<float>{1, 2, 3}, -1), "class -1 is outside");
    ML_VERIFY_FAILS(
        batch.appendClass(std::vector<float>{1, std::numeric_limits<float>::quiet_NaN(), 3}, 0),
        "feature 1 is not a finite number");
    ML_VERIFY_FAILS(batch.appendTarget(std::vector<float>{1, 2, 3}, 0.5f),
                    "a regression target added to a classification batch");
    // A redelivered or older message of the same partition is refused, another partition not.
    ML_VERIFY_FAILS(batch.appendClass(std::vector<float>{1, 2, 3}, 0, {"t", 0, 10}),
                    "offset is not after 10");
    ML_VERIFY_FAILS(batch.appendClass(std::vector<float>{1, 2, 3}, 0, {"t", 0, 3}),
                    "offset is not after 10");

    QCOMPARE(batch.size(), std::size_t(1));
    QCOMPARE(batch.dataset().features, (std::vector<float>{1, 2, 3}));
    QCOMPARE(batch.dataset().classLabels, std::vector<std::int64_t>{1});
    QCOMPARE(batch.offsetRanges(), (std::vector<OffsetRange>{{"t", 0, 10, 10, 1}}));

    ML_VERIFY_OK(batch.appendClass(std::vector<float>{4, 5, 6}, 0, {"t", 1, 3}));
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{4, 5, 6}, 0, {"u", 0, 10}));
    QCOMPARE(batch.offsetRanges().size(), std::size_t(3));
}

void TestSampleBatch::regressionBatch()
{
    SampleBatch batch = SampleBatch::forRegression({2});
    ML_VERIFY_OK(batch.appendTarget(std::vector<float>{1, 2}, 3.5f, {"prices", 2, 7}));
    ML_VERIFY_OK(batch.appendTarget(std::vector<float>{3, 4}, -1.0f, {"prices", 2, 8}));
    ML_VERIFY_FAILS(batch.appendClass(std::vector<float>{1, 2}, 0),
                    "a class label added to a regression batch");
    ML_VERIFY_FAILS(
        batch.appendTarget(std::vector<float>{1, 2}, std::numeric_limits<float>::infinity()),
        "target is not a finite number");
    const Dataset &dataset = batch.dataset();
    ML_VERIFY_OK(dataset.validate());
    QCOMPARE(dataset.task, TaskKind::Regression);
    QCOMPARE(dataset.targets, (std::vector<float>{3.5f, -1.0f}));
    QVERIFY(dataset.classLabels.empty());
    QCOMPARE(batch.offsetRanges(), (std::vector<OffsetRange>{{"prices", 2, 7, 8, 2}}));
}

void TestSampleBatch::takeDatasetEmptiesTheBatch()
{
    SampleBatch batch = SampleBatch::forClassification({1}, 2);
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{0.5f}, 1, {"t", 0, 1}));
    const Dataset taken = batch.takeDataset();
    QCOMPARE(taken.size(), std::size_t(1));
    QCOMPARE(taken.classLabels, std::vector<std::int64_t>{1});

    QVERIFY(batch.isEmpty());
    QVERIFY(batch.offsetRanges().empty());
    // The emptied batch keeps its shape and classes and takes the next drain.
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{0.25f}, 0, {"t", 0, 2}));
    QCOMPARE(batch.size(), std::size_t(1));
    ML_VERIFY_OK(batch.dataset().validate());
}

void TestSampleBatch::mixesWithReplayData()
{
    SampleBatch batch = SampleBatch::forClassification({2}, 3);
    ML_VERIFY_OK(batch.appendClass(std::vector<float>{1, 1}, 2, {"t", 0, 0}));

    Dataset original;
    original.sampleShape = {2};
    original.classCount = 3;
    original.features = {0, 0, 0.5f, 0.5f};
    original.classLabels = {0, 1};

    const Result<Dataset> mixed = concatenate(batch.dataset(), original.subset({1}));
    ML_VERIFY_OK(mixed);
    ML_VERIFY_OK(mixed->validate());
    QCOMPARE(mixed->features, (std::vector<float>{1, 1, 0.5f, 0.5f}));
    QCOMPARE(mixed->classLabels, (std::vector<std::int64_t>{2, 1}));

    Dataset otherShape = original;
    otherShape.sampleShape = {1, 2};
    ML_VERIFY_FAILS(concatenate(batch.dataset(), otherShape), "sample shapes {2} and {1, 2}");
    Dataset otherClasses = original;
    otherClasses.classCount = 4;
    ML_VERIFY_FAILS(concatenate(batch.dataset(), otherClasses), "datasets of 3 and 4 classes");
    Dataset unlabelled = original;
    unlabelled.classLabels.clear();
    ML_VERIFY_FAILS(concatenate(batch.dataset(), unlabelled),
                    "a labelled dataset and an unlabelled one");
    const SampleBatch regression = SampleBatch::forRegression({2});
    ML_VERIFY_FAILS(concatenate(batch.dataset(), regression.dataset()),
                    "a classification dataset and a regression one");
}

void TestSampleBatch::datasetValidationNamesTheProblem()
{
    Dataset dataset;
    dataset.sampleShape = {2};
    dataset.classCount = 2;
    dataset.features = {1, 2, 3, 4};
    dataset.classLabels = {0, 1};
    ML_VERIFY_OK(dataset.validate());

    Dataset ragged = dataset;
    ragged.features.push_back(5);
    ML_VERIFY_FAILS(ragged.validate(), "5 feature values, not a multiple of the 2");
    Dataset fewLabels = dataset;
    fewLabels.classLabels.pop_back();
    ML_VERIFY_FAILS(fewLabels.validate(), "2 samples but 1 class labels");
    Dataset badClass = dataset;
    badClass.classLabels[1] = 2;
    ML_VERIFY_FAILS(badClass.validate(), "sample 1 has class 2, outside [0, 2)");
    Dataset badShape = dataset;
    badShape.sampleShape = {2, 0};
    ML_VERIFY_FAILS(badShape.validate(), "has a dimension that is not positive");
    Dataset names = dataset;
    names.classNames = {"only one"};
    ML_VERIFY_FAILS(names.validate(), "2 classes but 1 class names");
}

QTEST_GUILESS_MAIN(TestSampleBatch)
#include "tst_samplebatch.moc"

// The image CNN plugin's architecture trained by the engine on Fashion-MNIST from the Debian
// package (dataset-fashion-mnist), scored on the package's whole 10,000-image test set.
// A short run on a seeded subset and the incremental-update checks belong to the normal suite; the
// full run (all 60,000 training images) runs when MILLRACE_SLOW_TESTS=1, as the ctest entry
// labelled "slow" sets.

#include "core/ml/evaluation.h"
#include "core/ml/idx.h"
#include "core/ml/model.h"
#include "core/ml/split.h"
#include "core/ml/trainer.h"
#include "core/ml/update.h"
#include "plugins/imagecnn/cnnarchitecture.h"
#include "unit/ml/mlverify.h"

#include <QTest>

#include <cstdio>

using namespace millrace;
using namespace millrace::ml;

namespace {

class EpochPrinter : public TrainingObserver
{
public:
    void onEpoch(const EpochMetrics &epoch) override
    {
        std::printf("epoch %d: loss %.4f, accuracy %.4f, %.0f images/s\n", epoch.epoch,
                    epoch.trainLoss, epoch.trainAccuracy, epoch.samplesPerSecond);
        std::fflush(stdout);
    }
};

} // namespace

class TestFashionMnist : public QObject
{
    Q_OBJECT

private:
    Dataset m_train;
    Dataset m_test;
    models::CnnArchitecture m_cnn;

    double accuracy(const Model &model)
    {
        auto predictions = predictWithLoss(model, m_test);
        if (!predictions)
            qFatal("%s", predictions.errorMessage().c_str());
        std::size_t correct = 0;
        for (std::size_t i = 0; i < m_test.size(); ++i)
            correct += predictions->classes[i] == m_test.classLabels[i];
        return double(correct) / double(m_test.size());
    }

    // Trains the default CNN on `train` and returns its test accuracy, printing the report.
    double trainAndScore(const Dataset &train, int epochs)
    {
        auto model = Model::create(m_cnn, {}, ModelSignature::of(train), 1);
        if (!model)
            qFatal("%s", model.errorMessage().c_str());
        TrainingOptions options;
        options.epochs = epochs;
        options.batchSize = 64;
        options.learningRate = 1e-3;
        options.seed = 1;
        options.device = "cpu";
        EpochPrinter printer;
        auto summary = ml::train(*model, train, options, &printer);
        if (!summary)
            qFatal("%s", summary.errorMessage().c_str());
        auto predictions = predictWithLoss(*model, m_test);
        if (!predictions)
            qFatal("%s", predictions.errorMessage().c_str());
        auto report =
            classificationReport(m_test.classLabels, predictions->classes, m_test.classCount,
                                 predictions->meanLoss, m_test.classNames);
        if (!report)
            qFatal("%s", report.errorMessage().c_str());
        std::printf("test accuracy %.4f, loss %.4f, macro F1 %.4f\n", report->accuracy,
                    report->meanLoss, report->macro.f1);
        return report->accuracy;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const std::string directory = fashionMnistDefaultDirectory();
        auto train = readFashionMnist(directory, FashionMnistPart::Train);
        auto test = readFashionMnist(directory, FashionMnistPart::Test);
        ML_VERIFY_OK(train);
        ML_VERIFY_OK(test);
        QCOMPARE(train->size(), std::size_t(60000));
        QCOMPARE(test->size(), std::size_t(10000));
        m_train = std::move(*train);
        m_test = std::move(*test);
    }

    void cnnLearnsOnASubset()
    {
        // 12,000 training images drawn with a fixed seed, two epochs.
        auto split = splitIndices(m_train.size(), {0.2, 0.8, 0.0}, 7);
        ML_VERIFY_OK(split);
        const double accuracy = trainAndScore(m_train.subset(split->train), 2);
        QVERIFY2(accuracy >= 0.80, qPrintable(QStringLiteral("test accuracy %1").arg(accuracy)));
    }

    // Seed 000's incremental update: a batch of new images, mixed with a replay share of the
    // original training data, keeps or improves the model; a batch of two classes alone makes
    // it forget the other eight, unless old data is replayed.
    void updatesKeepAccuracyWithReplayAndForgetWithout()
    {
        auto split = splitIndices(m_train.size(), {0.1, 0.05, 0.85}, 11);
        ML_VERIFY_OK(split);
        const Dataset original = m_train.subset(split->train); // 6,000 images
        const Dataset newBatch = m_train.subset(split->test);  // 3,000 images, all classes
        std::vector<std::size_t> twoClasses;
        for (std::size_t index : split->holdout) {
            if (m_train.classLabels[index] <= 1 && twoClasses.size() < 2000)
                twoClasses.push_back(index);
        }
        const Dataset skewed = m_train.subset(twoClasses); // T-shirts and trousers only

        auto base = Model::create(m_cnn, {{"base_width", std::int64_t(16)}},
                                  ModelSignature::of(original), 3);
        ML_VERIFY_OK(base);
        TrainingOptions options;
        options.epochs = 2;
        options.seed = 3;
        options.device = "cpu";
        ML_VERIFY_OK(ml::train(*base, original, options));
        const double before = accuracy(*base);

        UpdateOptions update;
        update.training = options;
        update.training.epochs = 1;
        update.training.learningRate = 5e-4;
        update.replayShare = 0.5;
        auto withReplay = updateModel(*base, newBatch, original, update);
        ML_VERIFY_OK(withReplay);
        QCOMPARE(withReplay->replaySamples, std::size_t(3000));
        const double afterBatch = accuracy(withReplay->model);
        QCOMPARE(accuracy(*base), before); // the current model is left alone

        update.training.epochs = 2;
        update.replayShare = 0;
        auto forgetting = updateModel(*base, skewed, original, update);
        ML_VERIFY_OK(forgetting);
        const double afterSkewedAlone = accuracy(forgetting->model);
        update.replayShare = 0.5;
        auto remembering = updateModel(*base, skewed, original, update);
        ML_VERIFY_OK(remembering);
        const double afterSkewedReplayed = accuracy(remembering->model);

        std::printf("base %.4f; new batch with replay %.4f; two-class batch alone %.4f, with "
                    "replay %.4f\n",
                    before, afterBatch, afterSkewedAlone, afterSkewedReplayed);
        QVERIFY(afterBatch >= before);
        QVERIFY(afterSkewedAlone < before - 0.25);
        QVERIFY(afterSkewedReplayed >= before - 0.03);
    }

    void cnnReachesFullAccuracy()
    {
        if (qEnvironmentVariableIntValue("MILLRACE_SLOW_TESTS") != 1)
            QSKIP("the full run is labelled slow: set MILLRACE_SLOW_TESTS=1");
        const double accuracy = trainAndScore(m_train, 5);
        QVERIFY2(accuracy >= 0.88, qPrintable(QStringLiteral("test accuracy %1").arg(accuracy)));
    }
};

QTEST_GUILESS_MAIN(TestFashionMnist)
#include "tst_fashionmnist.moc"

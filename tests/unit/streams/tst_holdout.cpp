// The Fashion-MNIST stream-holdout the simulator publishes: the real train files of the Debian
// package, split as seed 000 splits them, and a folder without the files refused.

#include "core/ml/idx.h"
#include "core/ml/split.h"
#include "core/streams/holdout.h"
#include "testsupport/verify.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace;
using namespace millrace::streams;

class TestHoldout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void holdoutIsTheTenthSeed000KeepsBack()
    {
        auto holdout = loadFashionMnistHoldout();
        VERIFY_OK(holdout);
        const ml::Dataset &samples = *holdout.value();
        QCOMPARE(samples.size(), std::size_t(6000));
        QCOMPARE(samples.featureCount(), std::size_t(784));
        QCOMPARE(samples.classCount, std::int64_t(10));
        QVERIFY(samples.validate().hasValue());

        // The same images as the holdout indices of the seeded split, in that order.
        auto train =
            ml::readFashionMnist(ml::fashionMnistDefaultDirectory(), ml::FashionMnistPart::Train);
        QVERIFY(train.hasValue());
        auto split = ml::splitIndices(train->size(), {0.9, 0.0, 0.1}, kHoldoutSplitSeed);
        QVERIFY(split.hasValue());
        for (std::size_t i : {std::size_t(0), std::size_t(2999), std::size_t(5999)}) {
            const std::size_t source = split->holdout[i];
            QCOMPARE(samples.classLabels[i], train->classLabels[source]);
            QVERIFY(std::equal(samples.features.begin() + std::ptrdiff_t(i * 784),
                               samples.features.begin() + std::ptrdiff_t((i + 1) * 784),
                               train->features.begin() + std::ptrdiff_t(source * 784)));
        }
    }

    void recordsCarryPixelsAndLabel()
    {
        auto holdout = loadFashionMnistHoldout();
        VERIFY_OK(holdout);
        const SimulatorSource source = fashionMnistSource(holdout.value());
        const QJsonObject record = QJsonDocument::fromJson(simulatorRecord(source, 7, 3)).object();
        QCOMPARE(record.value(QStringLiteral("id")).toString(), QStringLiteral("fmnist-7-3"));
        QCOMPARE(record.value(QStringLiteral("image")).toArray().size(), 784);
        QCOMPARE(record.value(QStringLiteral("label")).toInt(),
                 int(holdout.value()->classLabels[7]));
    }

    void aFolderWithoutTheFilesIsRefused()
    {
        QTemporaryDir empty;
        auto holdout = loadFashionMnistHoldout(empty.path());
        QVERIFY(!holdout.hasValue());
        QVERIFY2(holdout.errorMessage().contains(empty.path()), qPrintable(holdout.errorMessage()));
    }
};

QTEST_GUILESS_MAIN(TestHoldout)
#include "tst_holdout.moc"

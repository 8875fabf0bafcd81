// The Batches tab's models and reads: batches written to a real batch store in a temporary
// workspace folder, listed newest first with their offsets, samples and dead letters; a used
// batch with its run as a link; refreshes that keep rows; dead letters read back with reasons.

#include "ui/panels/streams/batchlistmodel.h"
#include "ui/panels/streams/batchqueries.h"

#include "testsupport/verify.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <vector>

using namespace millrace;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

/// Writes a batch of `samples` 2x2 samples from partition 0 (offsets from `firstOffset`) and
/// `deadLetters` refused messages after them; returns its id.
QString writeBatch(streams::BatchStore &store, int samples, int deadLetters, qint64 firstOffset)
{
    streams::RecordLayout layout;
    layout.sampleShape = {2, 2};
    layout.classCount = 3;
    streams::BatchSource source{u"embedded broker — not durable"_s, u"127.0.0.1:9092"_s,
                                u"fashion-mnist"_s, u"millrace-drain"_s, u"application/json"_s};
    auto writer = store.beginBatch(source, layout);
    if (!writer) {
        qWarning().noquote() << writer.errorMessage();
        return QString();
    }
    const std::vector<float> features{0.f, 0.25f, 0.5f, 1.f};
    qint64 offset = firstOffset;
    for (int i = 0; i < samples; ++i) {
        if (!(*writer)->appendClassSample(0, offset++, features, i % 3, u"s-%1"_s.arg(i)))
            return QString();
    }
    for (int i = 0; i < deadLetters; ++i) {
        const QByteArray payload = i == 0 ? QByteArray("not json") : QByteArray("\xff\xfe", 2);
        streams::DeadLetter letter{0, offset++, 1700000000000, u"not a JSON object"_s, payload};
        if (!(*writer)->appendDeadLetter(letter))
            return QString();
    }
    auto committed = (*writer)->commit();
    return committed ? committed->id : QString();
}

} // namespace

class TestBatchListModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    void batchesNewestFirstWithTheirRuns()
    {
        QTemporaryDir workspace;
        streams::BatchStore store = streams::BatchStore::forWorkspace(workspace.path());
        const QString first = writeBatch(store, 1200, 2, 0);
        QVERIFY(!first.isEmpty());
        QTest::qWait(5); // batch ids sort by creation time
        const QString second = writeBatch(store, 30, 0, 1202);
        QVERIFY(!second.isEmpty());
        VERIFY_OK(store.markUsed(first, u"0123456789abcdef"_s));

        auto batches = loadBatches(workspace.path(), nullptr);
        VERIFY_OK(batches);
        QCOMPARE(batches->size(), std::size_t(2));
        QCOMPARE(batches->at(0).manifest.id, second);

        BatchListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setBatches(batches.value());
        auto cell = [&model](int row, int column) {
            return model.index(row, column).data().toString();
        };
        QCOMPARE(cell(0, BatchListModel::StateColumn), u"incoming"_s);
        QCOMPARE(cell(0, BatchListModel::TopicColumn), u"fashion-mnist"_s);
        QCOMPARE(cell(0, BatchListModel::OffsetsColumn), u"p0 1202–1231"_s);
        QCOMPARE(cell(0, BatchListModel::SamplesColumn), u"30"_s);
        QCOMPARE(cell(0, BatchListModel::RunColumn), QString());
        QCOMPARE(cell(1, BatchListModel::StateColumn), u"used"_s);
        QCOMPARE(cell(1, BatchListModel::OffsetsColumn), u"p0 0–1201"_s);
        QCOMPARE(cell(1, BatchListModel::SamplesColumn), u"1,200"_s);
        QCOMPARE(cell(1, BatchListModel::DeadLettersColumn), u"2"_s);
        // Without the run in tracking: its id, and no link.
        QCOMPARE(cell(1, BatchListModel::RunColumn), u"01234567"_s);
        QVERIFY(!model.index(1, BatchListModel::RunColumn).data(BatchListModel::LinkRole).toBool());
        QVERIFY(model.index(1, 0).data(BatchListModel::UsedRole).toBool());
        QCOMPARE(model.rowOfBatch(first), 1);

        // The run known: a link to it, named.
        std::vector<BatchEntry> withRun = batches.value();
        withRun[1].experimentId = u"7"_s;
        withRun[1].runName = u"update_model-2026-11-22"_s;
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
        model.setBatches(withRun);
        QCOMPARE(resets.count(), 0);
        QCOMPARE(changes.count(), 1);
        QCOMPARE(cell(1, BatchListModel::RunColumn), u"update_model-2026-11-22"_s);
        const QModelIndex link = model.index(1, BatchListModel::RunColumn);
        QVERIFY(link.data(BatchListModel::LinkRole).toBool());
        QCOMPARE(link.data(BatchListModel::ExperimentIdRole).toString(), u"7"_s);
        QCOMPARE(link.data(BatchListModel::RunIdRole).toString(), u"0123456789abcdef"_s);
        QVERIFY(
            !model.index(1, BatchListModel::TopicColumn).data(BatchListModel::LinkRole).toBool());

        // Another batch: a reset.
        model.setBatches({withRun[1]});
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), 1);
    }

    void deadLettersComeBackWithTheirReasons()
    {
        QTemporaryDir workspace;
        streams::BatchStore store = streams::BatchStore::forWorkspace(workspace.path());
        const QString id = writeBatch(store, 3, 2, 40);
        auto manifest = store.manifest(id);
        VERIFY_OK(manifest);
        auto letters = loadDeadLetters(manifest->path);
        VERIFY_OK(letters);
        QCOMPARE(letters->size(), std::size_t(2));
        QCOMPARE(letters->at(0).offset, 43);
        QCOMPARE(letters->at(0).reason, u"not a JSON object"_s);
        QCOMPARE(letters->at(0).payload, u"not json"_s);
        // Bytes that are not UTF-8 come back as base64, and say so.
        QCOMPARE(letters->at(1).payload,
                 u"base64:"_s + QString::fromLatin1(QByteArray("\xff\xfe", 2).toBase64()));

        DeadLetterModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setLetters(letters.value());
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, DeadLetterModel::OffsetColumn).data().toLongLong(), 43);
        QCOMPARE(model.index(0, DeadLetterModel::ReasonColumn).data().toString(),
                 u"not a JSON object"_s);

        // A batch without dead letters has no file: none, not an error.
        const QString clean = writeBatch(store, 2, 0, 100);
        auto none = loadDeadLetters(store.manifest(clean)->path);
        VERIFY_OK(none);
        QVERIFY(none->empty());
    }
};

QTEST_GUILESS_MAIN(TestBatchListModel)
#include "tst_batchlistmodel.moc"

// Batches on disk: written, listed and loaded back; damage found before any sample is used;
// unfinished writes cleaned away; used batches moved with their run; the offsets a group has
// drained, across incoming and used.

#include "core/streams/batchstore.h"
#include "testsupport/verify.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace::streams;
using namespace Qt::StringLiterals;

namespace {

BatchSource sourceFor(const QString &group, const QString &topic = u"fashion"_s)
{
    return BatchSource{u"embedded broker — not durable"_s, u"127.0.0.1:9092"_s, topic, group,
                       u"application/json"_s};
}

RecordLayout smallLayout()
{
    RecordLayout layout = RecordLayout::fashionMnist();
    layout.sampleShape = {2, 3};
    return layout;
}

std::vector<float> featuresOf(int sample)
{
    std::vector<float> features;
    for (int i = 0; i < 6; ++i)
        features.push_back(float(sample) + float(i) / 10.0f);
    return features;
}

// Writes a batch of `count` samples from `partition` starting at `firstOffset`, plus one dead
// letter after them; returns its manifest.
BatchManifest writeBatch(BatchStore &store, const QString &group, std::int32_t partition,
                         std::int64_t firstOffset, int count)
{
    millrace::Result<std::unique_ptr<BatchWriter>> writer =
        store.beginBatch(sourceFor(group), smallLayout());
    if (!writer) {
        qWarning() << writer.errorMessage();
        return {};
    }
    for (int i = 0; i < count; ++i) {
        const std::vector<float> features = featuresOf(i);
        const millrace::Result<void> appended = writer.value()->appendClassSample(
            partition, firstOffset + i, features, i % 10, QStringLiteral("id-%1").arg(i));
        if (!appended)
            qWarning() << appended.errorMessage();
    }
    const QByteArray payload("{broken");
    (void)writer.value()->appendDeadLetter(
        DeadLetter{partition, firstOffset + count, 1700000000000, u"not valid JSON"_s, payload});
    millrace::Result<BatchManifest> manifest = writer.value()->commit();
    if (!manifest) {
        qWarning() << manifest.errorMessage();
        return {};
    }
    return manifest.value();
}

bool corruptByte(const QString &path, qint64 at)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return false;
    file.seek(at);
    char byte = 0;
    file.getChar(&byte);
    file.seek(at);
    return file.putChar(char(byte ^ 0x5a));
}

} // namespace

class TestBatchStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_store = std::make_unique<BatchStore>(BatchStore::forWorkspace(m_dir->path()));
    }

    void writeListLoadRoundTrip()
    {
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 2, 100, 5);
        QVERIFY(!written.id.isEmpty());
        QCOMPARE(written.path, QDir(m_dir->path()).filePath(u"data/incoming/"_s + written.id));

        millrace::Result<std::vector<BatchManifest>> listed = m_store->list();
        VERIFY_OK(listed);
        QCOMPARE(listed->size(), std::size_t(1));
        const BatchManifest &manifest = listed->front();
        QCOMPARE(manifest.id, written.id);
        QCOMPARE(manifest.sampleCount, 5);
        QCOMPARE(manifest.deadLetterCount, 1);
        QVERIFY(manifest.source == sourceFor(u"g"_s));
        QVERIFY(manifest.layout == smallLayout());
        QVERIFY(!manifest.isUsed());
        QCOMPARE(manifest.partitions.size(), std::size_t(1));
        QCOMPARE(manifest.partitions[0].offsets.topic, std::string("fashion"));
        QCOMPARE(manifest.partitions[0].offsets.partition, 2);
        QCOMPARE(manifest.partitions[0].offsets.firstOffset, 100);
        QCOMPARE(manifest.partitions[0].offsets.lastOffset, 105); // the dead letter is covered
        QCOMPARE(manifest.partitions[0].offsets.sampleCount, std::size_t(5));
        QCOMPARE(manifest.partitions[0].messageCount(), 6);
        QCOMPARE(manifest.files.size(), std::size_t(4));
        QVERIFY(manifest.created.isValid());

        // What other tools read: the manifest's top-level fields and the raw files.
        QFile json(QDir(manifest.path).filePath(u"manifest.json"_s));
        QVERIFY(json.open(QIODevice::ReadOnly));
        const QJsonObject object = QJsonDocument::fromJson(json.readAll()).object();
        QCOMPARE(object.value(u"task"_s).toString(), u"classification"_s);
        QCOMPARE(object.value(u"sampleShape"_s).toArray(), (QJsonArray{2, 3}));
        QCOMPARE(object.value(u"classCount"_s).toInt(), 10);
        QCOMPARE(object.value(u"source"_s).toObject().value(u"consumerGroup"_s).toString(), u"g"_s);
        const QJsonObject range = object.value(u"offsets"_s).toArray().at(0).toObject();
        QCOMPARE(range.value(u"first"_s).toInteger(), 100);
        QCOMPARE(range.value(u"last"_s).toInteger(), 105);
        QCOMPARE(range.value(u"count"_s).toInteger(), 6);
        QCOMPARE(object.value(u"files"_s)
                     .toObject()
                     .value(u"features.f32"_s)
                     .toObject()
                     .value(u"size"_s)
                     .toInteger(),
                 5 * 6 * 4);
        QCOMPARE(QFileInfo(QDir(manifest.path).filePath(u"labels.i64"_s)).size(), 5 * 8);

        millrace::Result<millrace::ml::Dataset> dataset = m_store->load(written.id);
        VERIFY_OK(dataset);
        QCOMPARE(dataset->size(), std::size_t(5));
        QCOMPARE(dataset->sampleShape, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(dataset->classCount, 10);
        QCOMPARE(dataset->classNames.size(), std::size_t(10));
        QCOMPARE(dataset->classLabels, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        for (int sample = 0; sample < 5; ++sample) {
            const std::vector<float> expected = featuresOf(sample);
            for (int i = 0; i < 6; ++i)
                QCOMPARE(dataset->features[std::size_t(sample * 6 + i)], expected[std::size_t(i)]);
        }
        millrace::Result<QStringList> ids = m_store->loadIds(written.id);
        VERIFY_OK(ids);
        QCOMPARE(*ids, (QStringList{u"id-0"_s, u"id-1"_s, u"id-2"_s, u"id-3"_s, u"id-4"_s}));

        QFile deadLetters(QDir(manifest.path).filePath(u"deadletter.jsonl"_s));
        QVERIFY(deadLetters.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = deadLetters.readAll().split('\n');
        QCOMPARE(lines.size(), 2); // one line and the final line break
        const QJsonObject letter = QJsonDocument::fromJson(lines[0]).object();
        QCOMPARE(letter.value(u"offset"_s).toInteger(), 105);
        QCOMPARE(letter.value(u"partition"_s).toInt(), 2);
        QCOMPARE(letter.value(u"topic"_s).toString(), u"fashion"_s);
        QCOMPARE(letter.value(u"reason"_s).toString(), u"not valid JSON"_s);
        QCOMPARE(letter.value(u"payload"_s).toString(), u"{broken"_s);
        QCOMPARE(letter.value(u"timestamp"_s).toInteger(), 1700000000000);
    }

    void binaryDeadLettersAreBase64()
    {
        millrace::Result<std::unique_ptr<BatchWriter>> writer =
            m_store->beginBatch(sourceFor(u"g"_s), smallLayout());
        VERIFY_OK(writer);
        const QByteArray payload("\xff\xfe\x00\x01", 4);
        VERIFY_OK(writer.value()->appendDeadLetter(DeadLetter{0, 7, -1, u"binary"_s, payload}));
        millrace::Result<BatchManifest> manifest = writer.value()->commit();
        VERIFY_OK(manifest);
        QFile file(QDir(manifest->path).filePath(u"deadletter.jsonl"_s));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject letter = QJsonDocument::fromJson(file.readLine()).object();
        QCOMPARE(letter.value(u"payloadEncoding"_s).toString(), u"base64"_s);
        QCOMPARE(QByteArray::fromBase64(letter.value(u"payload"_s).toString().toLatin1()), payload);
        // A batch of dead letters only loads as an empty dataset.
        millrace::Result<millrace::ml::Dataset> dataset = m_store->load(manifest->id);
        VERIFY_OK(dataset);
        QCOMPARE(dataset->size(), std::size_t(0));
    }

    void aCorruptFeaturesFileIsAnError()
    {
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 0, 0, 4);
        QVERIFY(corruptByte(QDir(written.path).filePath(u"features.f32"_s), 13));
        const millrace::Result<millrace::ml::Dataset> dataset = m_store->load(written.id);
        QVERIFY(!dataset);
        QVERIFY2(dataset.errorMessage().contains(u"features.f32 does not match its checksum"_s),
                 qPrintable(dataset.errorMessage()));
    }

    void aCorruptLabelIsAnError()
    {
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 0, 0, 4);
        QVERIFY(corruptByte(QDir(written.path).filePath(u"labels.i64"_s), 8));
        const millrace::Result<millrace::ml::Dataset> dataset = m_store->load(written.id);
        QVERIFY(!dataset);
        QVERIFY2(dataset.errorMessage().contains(u"labels.i64 does not match its checksum"_s),
                 qPrintable(dataset.errorMessage()));
    }

    void aTruncatedBatchIsAnError()
    {
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 0, 0, 4);
        QFile features(QDir(written.path).filePath(u"features.f32"_s));
        QVERIFY(features.resize(4 * 6 * 4 - 10));
        const millrace::Result<millrace::ml::Dataset> dataset = m_store->load(written.id);
        QVERIFY(!dataset);
        QVERIFY2(dataset.errorMessage().contains(u"features.f32 has 86 bytes, expected 96"_s),
                 qPrintable(dataset.errorMessage()));

        const BatchManifest other = writeBatch(*m_store, u"g"_s, 1, 0, 4);
        QFile ids(QDir(other.path).filePath(u"ids.txt"_s));
        QVERIFY(ids.resize(ids.size() - 1));
        const millrace::Result<QStringList> read = m_store->loadIds(other.id);
        QVERIFY(!read);
        QVERIFY2(read.errorMessage().contains(u"ids.txt has"_s), qPrintable(read.errorMessage()));
    }

    void aMissingBatchIsNotFound()
    {
        VERIFY_FAILS(m_store->load(u"20200101T000000000Z-00000000"_s), u"NOT_FOUND"_s);
        VERIFY_FAILS(m_store->load(u"../etc"_s), u"INVALID_ARGUMENT"_s);
    }

    void unfinishedBatchesAreRemovedAtOpen()
    {
        // A writer that crashed leaves its hidden folder; no batch is ever listed for it.
        const QString incoming = QDir(m_dir->path()).filePath(u"data/incoming"_s);
        QVERIFY(QDir().mkpath(incoming + u"/.20240101T000000000Z-deadbeef.partial"_s));
        QFile leftover(incoming + u"/.20240101T000000000Z-deadbeef.partial/features.f32"_s);
        QVERIFY(leftover.open(QIODevice::WriteOnly));
        leftover.write("half");
        leftover.close();

        BatchStore store = BatchStore::forWorkspace(m_dir->path());
        VERIFY_OK(store.open());
        QVERIFY(!QFileInfo::exists(incoming + u"/.20240101T000000000Z-deadbeef.partial"_s));
        millrace::Result<std::vector<BatchManifest>> listed = store.list();
        VERIFY_OK(listed);
        QVERIFY(listed->empty());
    }

    void aLiveWritersFolderSurvivesAnotherOpen()
    {
        millrace::Result<std::unique_ptr<BatchWriter>> writer =
            m_store->beginBatch(sourceFor(u"g"_s), smallLayout());
        VERIFY_OK(writer);
        const QString partial =
            QDir(m_store->incomingDir()).filePath(u"."_s + writer.value()->id() + u".partial"_s);
        QVERIFY(QFileInfo(partial).isDir());
        // Another store (the UI listing batches while a drain runs) must not take it for a
        // leftover, and a second writer must not start.
        BatchStore other = BatchStore::forWorkspace(m_dir->path());
        VERIFY_OK(other.open());
        QVERIFY(QFileInfo(partial).isDir());
        const auto second = other.beginBatch(sourceFor(u"g"_s), smallLayout());
        QVERIFY(!second);
        QVERIFY2(second.errorMessage().contains(u"already writing a batch"_s),
                 qPrintable(second.errorMessage()));
        // An abandoned writer leaves nothing behind and frees the lock.
        writer.value().reset();
        QVERIFY(!QFileInfo::exists(partial));
        VERIFY_OK(other.beginBatch(sourceFor(u"g"_s), smallLayout()));
    }

    void offsetsMustIncreaseWithinAPartition()
    {
        millrace::Result<std::unique_ptr<BatchWriter>> writer =
            m_store->beginBatch(sourceFor(u"g"_s), smallLayout());
        VERIFY_OK(writer);
        const std::vector<float> features = featuresOf(0);
        VERIFY_OK(writer.value()->appendClassSample(0, 10, features, 1, u"a"));
        QVERIFY(!writer.value()->appendClassSample(0, 10, features, 1, u"b"));
        VERIFY_OK(writer.value()->appendClassSample(1, 3, features, 1, u"c"));
        const std::vector<float> tooShort(5, 0.0f);
        QVERIFY(!writer.value()->appendClassSample(0, 11, tooShort, 1, u"d"));
        QVERIFY(!writer.value()->appendTargetSample(0, 12, features, 1.0f, u"e"));
        QCOMPARE(writer.value()->sampleCount(), 2);
    }

    void markUsedMovesTheBatchWithItsRun()
    {
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 0, 0, 3);
        VERIFY_OK(m_store->markUsed(written.id, u"run-abc"_s));
        const QString usedPath = QDir(m_dir->path()).filePath(u"data/used/"_s + written.id);
        QVERIFY(QFileInfo(usedPath).isDir());
        QVERIFY(!QFileInfo::exists(written.path));

        millrace::Result<BatchManifest> manifest = m_store->manifest(written.id);
        VERIFY_OK(manifest);
        QVERIFY(manifest->isUsed());
        QCOMPARE(manifest->usedByRun, u"run-abc"_s);
        QVERIFY(manifest->usedAt.isValid());
        QCOMPARE(manifest->path, usedPath);
        // Lineage stays: where the samples came from, and the samples themselves.
        QCOMPARE(manifest->partitions, written.partitions);
        QVERIFY(manifest->source == written.source);
        millrace::Result<millrace::ml::Dataset> dataset = m_store->load(written.id);
        VERIFY_OK(dataset);
        QCOMPARE(dataset->size(), std::size_t(3));

        millrace::Result<std::vector<BatchManifest>> listed = m_store->list();
        VERIFY_OK(listed);
        QCOMPARE(listed->size(), std::size_t(1));
        QCOMPARE(listed->front().usedByRun, u"run-abc"_s);

        VERIFY_FAILS(m_store->markUsed(written.id, u"run-def"_s), u"ALREADY_EXISTS"_s);
        VERIFY_FAILS(m_store->markUsed(written.id, QString()), u"INVALID_ARGUMENT"_s);
    }

    void anInterruptedMarkUsedIsFinishedAtOpen()
    {
        // A crash after the manifest was rewritten but before the folder moved.
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 0, 0, 2);
        BatchManifest used = written;
        used.usedByRun = u"run-1"_s;
        used.usedAt = QDateTime::currentDateTimeUtc();
        QFile manifestFile(QDir(written.path).filePath(u"manifest.json"_s));
        QVERIFY(manifestFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
        manifestFile.write(QJsonDocument(used.toJson()).toJson());
        manifestFile.close();

        BatchStore store = BatchStore::forWorkspace(m_dir->path());
        VERIFY_OK(store.open());
        QVERIFY(!QFileInfo::exists(written.path));
        millrace::Result<BatchManifest> manifest = store.manifest(written.id);
        VERIFY_OK(manifest);
        QCOMPARE(manifest->usedByRun, u"run-1"_s);
        QVERIFY(manifest->path.contains(u"/data/used/"_s));
    }

    void committedOffsetsSpanIncomingAndUsed()
    {
        const BatchManifest first = writeBatch(*m_store, u"g"_s, 0, 0, 10); // 0..10
        const BatchManifest second = writeBatch(*m_store, u"g"_s, 1, 5, 3); // 5..8
        const BatchManifest third = writeBatch(*m_store, u"g"_s, 0, 11, 4); // 11..15
        const BatchManifest otherGroup = writeBatch(*m_store, u"h"_s, 0, 0, 50);
        QVERIFY(!otherGroup.id.isEmpty());
        VERIFY_OK(m_store->markUsed(third.id, u"run-1"_s));
        VERIFY_OK(m_store->markUsed(first.id, u"run-0"_s));

        millrace::Result<std::map<std::int32_t, std::int64_t>> offsets =
            m_store->committedOffsets(u"g"_s, u"fashion"_s);
        VERIFY_OK(offsets);
        QCOMPARE(*offsets, (std::map<std::int32_t, std::int64_t>{{0, 15}, {1, 8}}));
        millrace::Result<std::map<std::int32_t, std::int64_t>> other =
            m_store->committedOffsets(u"h"_s, u"fashion"_s);
        VERIFY_OK(other);
        QCOMPARE(*other, (std::map<std::int32_t, std::int64_t>{{0, 50}}));
        millrace::Result<std::map<std::int32_t, std::int64_t>> none =
            m_store->committedOffsets(u"g"_s, u"another-topic"_s);
        VERIFY_OK(none);
        QVERIFY(none->empty());
        QVERIFY(!second.id.isEmpty());
    }

    void anUnreadableManifestStopsOffsetLookups()
    {
        // Not knowing what a batch holds could mean draining it twice: refuse instead.
        const BatchManifest written = writeBatch(*m_store, u"g"_s, 0, 0, 2);
        QFile manifestFile(QDir(written.path).filePath(u"manifest.json"_s));
        QVERIFY(manifestFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
        manifestFile.write("{ not json");
        manifestFile.close();
        const auto offsets = m_store->committedOffsets(u"g"_s, u"fashion"_s);
        QVERIFY(!offsets);
        QVERIFY2(offsets.errorMessage().contains(u"manifest.json"_s),
                 qPrintable(offsets.errorMessage()));
        // Listing still shows the others (none here) and skips it.
        millrace::Result<std::vector<BatchManifest>> listed = m_store->list();
        VERIFY_OK(listed);
        QVERIFY(listed->empty());
    }

    void regressionBatchesHoldTargets()
    {
        RecordLayout layout;
        layout.task = millrace::ml::TaskKind::Regression;
        layout.classCount = 0;
        layout.idField.clear();
        layout.sampleShape = {2};
        millrace::Result<std::unique_ptr<BatchWriter>> writer =
            m_store->beginBatch(sourceFor(u"g"_s), layout);
        VERIFY_OK(writer);
        const std::vector<float> features{1.0f, 2.0f};
        VERIFY_OK(writer.value()->appendTargetSample(0, 0, features, 3.5f, {}));
        VERIFY_OK(writer.value()->appendTargetSample(0, 1, features, -1.0f, {}));
        millrace::Result<BatchManifest> manifest = writer.value()->commit();
        VERIFY_OK(manifest);
        QVERIFY(manifest->file(u"targets.f32"_s));
        QVERIFY(!manifest->file(u"labels.i64"_s));
        QVERIFY(!manifest->file(u"ids.txt"_s));
        millrace::Result<millrace::ml::Dataset> dataset = m_store->load(manifest->id);
        VERIFY_OK(dataset);
        QCOMPARE(dataset->task, millrace::ml::TaskKind::Regression);
        QCOMPARE(dataset->targets, (std::vector<float>{3.5f, -1.0f}));
        millrace::Result<QStringList> ids = m_store->loadIds(manifest->id);
        VERIFY_OK(ids);
        QVERIFY(ids->isEmpty());
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<BatchStore> m_store;
};

QTEST_GUILESS_MAIN(TestBatchStore)
#include "tst_batchstore.moc"

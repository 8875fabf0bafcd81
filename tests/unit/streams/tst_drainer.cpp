// Draining a topic into batches against the embedded broker (librdkafka's mock cluster, real
// protocol over TCP), with the built-in JSON codec loaded from the build tree as the app loads
// it: every good message in exactly one batch, every bad one in the dead letters with its
// reason, nothing new means no batch, a crash between the batch and the commit costs no
// duplicate, cancellation keeps what was read. The SIGKILL test against a real broker lives in
// tests/integration/streams.

#include "core/plugins/pluginmanager.h"
#include "core/streams/batchstore.h"
#include "core/streams/drainer.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/producer.h"
#include "plugins/api/messagecodec.h"
#include "testsupport/verify.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <thread>

using namespace millrace;
using namespace millrace::streams;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

namespace {

constexpr int kPartitions = 3;

QByteArray goodPayload(int n)
{
    // Written by hand, as a producer in another language would: the pixels vary with n so a
    // mix-up between samples shows.
    QByteArray payload = "{\"id\":\"m-" + QByteArray::number(n)
                         + "\",\"label\":" + QByteArray::number(n % 10) + ",\"image\":[";
    for (int i = 0; i < 784; ++i) {
        if (i > 0)
            payload += ',';
        payload += QByteArray::number((n + i) % 256);
    }
    return payload + "]}";
}

QString idOf(int n)
{
    return u"m-"_s + QString::number(n);
}

// The three kinds of bad message and the reason each must carry.
struct BadMessage
{
    QByteArray payload;
    QString reason;
};

BadMessage badPayload(int n)
{
    switch (n % 3) {
    case 0:
        return {"{\"id\":\"bad-" + QByteArray::number(n) + "\",\"label\":1,\"image\":[1,2",
                u"not valid JSON"_s};
    case 1: {
        QByteArray payload = goodPayload(n);
        payload.replace("\"image\":[", "\"image\":[7,"); // 785 values
        return {payload, u"image has 785 values, expected 784"_s};
    }
    default: {
        QByteArray payload = goodPayload(n);
        payload.replace("\"label\":", "\"labelx\":");
        return {payload, u"missing label"_s};
    }
    }
}

} // namespace

class TestDrainer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void drainsGoodAndBadMessagesIntoOneBatch();
    void aSecondDrainFindsNothingNew();
    void newMessagesMakeTheNextBatch();
    void aCrashBeforeTheCommitCostsNoDuplicates();
    void cancellationKeepsWhatWasRead();
    void maxMessagesStopsEarly();
    void badMessagesReachTheDeadLetterTopic();
    void offsetsNoBatchHoldsAreReported();
    void aRebalanceMidDrainLosesNothing();
    void badRequestsAreRefused();
    void aMissingTopicIsAnError();

private:
    void produce(const QString &topic, const std::vector<std::pair<int, QByteArray>> &messages);
    void produceGood(const QString &topic, int first, int count, int partitions = kPartitions);
    DrainRequest requestFor(const QString &topic, const QString &group) const;
    Result<DrainReport> drain(const DrainRequest &request,
                              const CancellationToken &token = CancellationToken(),
                              const std::function<void(const DrainProgress &)> &progress = {});
    QStringList idsIn(const QString &batchId);
    QList<QJsonObject> deadLettersIn(const BatchManifest &batch);

    std::shared_ptr<EmbeddedBroker> m_broker;
    PluginManager m_plugins;
    plugins::MessageCodec *m_codec = nullptr;
    QTemporaryDir m_workspace;
    std::unique_ptr<BatchStore> m_store;
};

void TestDrainer::initTestCase()
{
    m_plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    m_codec = m_plugins.find<plugins::MessageCodec>(u"json-codec"_s);
    QVERIFY2(m_codec, "json-codec not found in " MILLRACE_BUILTIN_PLUGIN_DIR);
    Result<std::shared_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(1);
    VERIFY_OK(broker);
    m_broker = broker.value();
    QVERIFY(m_workspace.isValid());
    m_store = std::make_unique<BatchStore>(BatchStore::forWorkspace(m_workspace.path()));
    VERIFY_OK(m_store->open());
}

void TestDrainer::init()
{
    // Each test function drains its own topic; a new store object per test, as separate
    // drain tasks would have.
    m_store = std::make_unique<BatchStore>(BatchStore::forWorkspace(m_workspace.path()));
}

void TestDrainer::produce(const QString &topic,
                          const std::vector<std::pair<int, QByteArray>> &messages)
{
    Result<std::unique_ptr<MessageProducer>> producer =
        MessageProducer::create(m_broker->endpoint());
    VERIFY_OK(producer);
    for (const auto &[partition, payload] : messages) {
        OutgoingMessage message;
        message.partition = partition;
        message.value = payload;
        VERIFY_OK(producer.value()->send(topic, message));
    }
    Result<ProduceSummary> summary = producer.value()->flush(30s);
    VERIFY_OK(summary);
    QCOMPARE(summary->failed, 0);
}

void TestDrainer::produceGood(const QString &topic, int first, int count, int partitions)
{
    std::vector<std::pair<int, QByteArray>> messages;
    for (int n = first; n < first + count; ++n)
        messages.emplace_back(n % partitions, goodPayload(n));
    produce(topic, messages);
}

DrainRequest TestDrainer::requestFor(const QString &topic, const QString &group) const
{
    DrainRequest request;
    request.endpoint = m_broker->endpoint();
    request.topic = topic;
    request.groupId = group;
    request.layout = RecordLayout::fashionMnist();
    request.codec = m_codec;
    request.idleTimeout = 10s;
    return request;
}

Result<DrainReport> TestDrainer::drain(const DrainRequest &request, const CancellationToken &token,
                                       const std::function<void(const DrainProgress &)> &progress)
{
    return drainToBatch(request, *m_store, token, progress);
}

QStringList TestDrainer::idsIn(const QString &batchId)
{
    Result<QStringList> ids = m_store->loadIds(batchId);
    if (!ids) {
        qWarning() << ids.errorMessage();
        return {};
    }
    return ids.value();
}

QList<QJsonObject> TestDrainer::deadLettersIn(const BatchManifest &batch)
{
    QList<QJsonObject> letters;
    QFile file(QDir(batch.path).filePath(u"deadletter.jsonl"_s));
    if (!file.open(QIODevice::ReadOnly))
        return letters;
    while (!file.atEnd()) {
        const QByteArray line = file.readLine();
        if (!line.trimmed().isEmpty())
            letters.append(QJsonDocument::fromJson(line).object());
    }
    return letters;
}

void TestDrainer::drainsGoodAndBadMessagesIntoOneBatch()
{
    VERIFY_OK(m_broker->createTopic(u"fashion"_s, kPartitions));
    // 500 good and 20 bad messages, interleaved across the three partitions.
    std::vector<std::pair<int, QByteArray>> messages;
    std::map<QString, int> expectedReasons;
    for (int n = 0; n < 520; ++n) {
        if (n % 26 == 25) {
            const BadMessage bad = badPayload(n / 26);
            messages.emplace_back(n % kPartitions, bad.payload);
            ++expectedReasons[bad.reason];
        } else {
            messages.emplace_back(n % kPartitions, goodPayload(n));
        }
    }
    produce(u"fashion"_s, messages);

    std::vector<DrainProgress> updates;
    Result<DrainReport> report = drain(requestFor(u"fashion"_s, u"trainer"_s), CancellationToken(),
                                       [&](const DrainProgress &p) { updates.push_back(p); });
    VERIFY_OK(report);
    QVERIFY(!report->batchId.isEmpty());
    QCOMPARE(report->stop, DrainReport::Stop::CaughtUp);
    QCOMPARE(report->samples, 500);
    QCOMPARE(report->deadLetters, 20);
    QCOMPARE(report->duplicates, 0);
    QCOMPARE(report->messagesRead, 520);
    // Every good message went the fast JSON path; the bad ones the codec's, for their reasons.
    QCOMPARE(report->fastPathSamples, 500);
    QVERIFY(report->offsetsCommitted);
    QVERIFY(report->messagesPerSecond > 0);
    QVERIFY(!updates.empty());
    QCOMPARE(updates.back().messagesRead, 520);
    QCOMPARE(updates.back().remaining, 0);
    QCOMPARE(updates.back().assignedPartitions, kPartitions);
    qInfo("drained 520 messages at %.0f messages/s (%lld ms in all)", report->messagesPerSecond,
          qlonglong(report->elapsed.count()));

    // Every offset of every partition is in the batch, as a sample or a dead letter.
    QCOMPARE(report->partitions.size(), std::size_t(kPartitions));
    for (const PartitionRange &range : report->partitions) {
        QCOMPARE(range.offsets.firstOffset, 0);
        QCOMPARE(range.messageCount(), range.offsets.lastOffset + 1);
        QCOMPARE(report->committedOffsets.at(range.offsets.partition),
                 range.offsets.lastOffset + 1);
    }

    // Exactly the 500 good ids, each once, with the labels and pixels their messages held.
    const QStringList ids = idsIn(report->batchId);
    QCOMPARE(ids.size(), 500);
    QSet<QString> expectedIds;
    for (int n = 0; n < 520; ++n) {
        if (n % 26 != 25)
            expectedIds.insert(idOf(n));
    }
    QCOMPARE(QSet<QString>(ids.begin(), ids.end()), expectedIds);
    Result<ml::Dataset> dataset = m_store->load(report->batchId);
    VERIFY_OK(dataset);
    QCOMPARE(dataset->size(), std::size_t(500));
    QCOMPARE(dataset->sampleShape, (std::vector<std::int64_t>{28, 28}));
    for (qsizetype i = 0; i < ids.size(); i += 37) {
        const int n = ids[i].mid(2).toInt();
        QCOMPARE(dataset->classLabels[std::size_t(i)], n % 10);
        for (int pixel : {0, 300, 783})
            QCOMPARE(dataset->features[std::size_t(i) * 784 + std::size_t(pixel)],
                     float((n + pixel) % 256) / 255.0f);
    }

    // The dead letters: one line each, with the reason and the exact payload.
    const QList<QJsonObject> letters = deadLettersIn(report->batch);
    QCOMPARE(letters.size(), 20);
    std::map<QString, int> reasons;
    for (const QJsonObject &letter : letters) {
        const QString reason = letter.value(u"reason"_s).toString();
        QString kind = reason.startsWith(u"not valid JSON"_s) ? u"not valid JSON"_s : reason;
        ++reasons[kind];
        QCOMPARE(letter.value(u"topic"_s).toString(), u"fashion"_s);
        QVERIFY(letter.value(u"timestamp"_s).toInteger() > 0);
        const auto offset = letter.value(u"offset"_s).toInteger();
        const int partition = letter.value(u"partition"_s).toInt();
        // Messages went round-robin over the partitions: offset o of partition p is n = 3o + p.
        const int n = int(offset) * kPartitions + partition;
        QCOMPARE(n % 26, 25);
        QCOMPARE(letter.value(u"payload"_s).toString().toUtf8(), badPayload(n / 26).payload);
    }
    QCOMPARE(reasons, expectedReasons);

    Result<BatchManifest> manifest = m_store->manifest(report->batchId);
    VERIFY_OK(manifest);
    QCOMPARE(manifest->sampleCount, 500);
    QCOMPARE(manifest->deadLetterCount, 20);
    QCOMPARE(manifest->source.consumerGroup, u"trainer"_s);
    QCOMPARE(manifest->source.contentType, u"application/json"_s);
    QCOMPARE(manifest->source.profileLabel, EmbeddedBroker::label());
    QCOMPARE(manifest->source.bootstrapServers, m_broker->bootstrapServers());
}

void TestDrainer::aSecondDrainFindsNothingNew()
{
    const int before = int(m_store->list()->size());
    Result<DrainReport> report = drain(requestFor(u"fashion"_s, u"trainer"_s));
    VERIFY_OK(report);
    QVERIFY(report->batchId.isEmpty());
    QCOMPARE(report->stop, DrainReport::Stop::CaughtUp);
    QCOMPARE(report->samples, 0);
    QCOMPARE(report->messagesRead, 0); // the committed offsets start it at the end
    QCOMPARE(int(m_store->list()->size()), before);
    // And no stray folder either.
    QCOMPARE(QDir(m_store->incomingDir())
                 .entryList(QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot)
                 .size(),
             before);
}

void TestDrainer::newMessagesMakeTheNextBatch()
{
    produceGood(u"fashion"_s, 1000, 100);
    Result<DrainReport> report = drain(requestFor(u"fashion"_s, u"trainer"_s));
    VERIFY_OK(report);
    QVERIFY(!report->batchId.isEmpty());
    QCOMPARE(report->samples, 100);
    QCOMPARE(report->deadLetters, 0);
    QStringList expected;
    for (int n = 1000; n < 1100; ++n)
        expected.append(idOf(n));
    QStringList ids = idsIn(report->batchId);
    ids.sort();
    expected.sort();
    QCOMPARE(ids, expected);
    // The new batch starts where the first one ended, in every partition: the first 520
    // messages put 174 in partition 0 and 173 in the others, these 100 (n = 1000..1099) put 34
    // in partition 1 and 33 in the others.
    QCOMPARE(report->partitions.size(), std::size_t(kPartitions));
    for (const PartitionRange &range : report->partitions) {
        QCOMPARE(range.offsets.firstOffset, range.offsets.partition == 0 ? 174 : 173);
        QCOMPARE(range.messageCount(), range.offsets.partition == 1 ? 34 : 33);
        QCOMPARE(range.offsets.lastOffset, range.offsets.firstOffset + range.messageCount() - 1);
    }
}

void TestDrainer::aCrashBeforeTheCommitCostsNoDuplicates()
{
    VERIFY_OK(m_broker->createTopic(u"crashy"_s, kPartitions));
    produceGood(u"crashy"_s, 0, 300);
    // The batch is written, the offsets are not committed: what a crash between the rename
    // and the commit leaves.
    DrainRequest crashing = requestFor(u"crashy"_s, u"g"_s);
    crashing.commitOffsets = false;
    bool sawBatchBeforeCommit = false;
    crashing.beforeCommit = [&](const BatchManifest &batch) {
        sawBatchBeforeCommit = QFileInfo(batch.path).isDir();
    };
    Result<DrainReport> first = drain(crashing);
    VERIFY_OK(first);
    QVERIFY(sawBatchBeforeCommit);
    QCOMPARE(first->samples, 300);
    QVERIFY(!first->offsetsCommitted);

    produceGood(u"crashy"_s, 300, 60);
    Result<DrainReport> second = drain(requestFor(u"crashy"_s, u"g"_s));
    VERIFY_OK(second);
    QCOMPARE(second->duplicates, 300); // read again from Kafka, dropped by offset
    QCOMPARE(second->samples, 60);
    QVERIFY(second->offsetsCommitted);

    QStringList all = idsIn(first->batchId) + idsIn(second->batchId);
    QCOMPARE(all.size(), 360);
    QCOMPARE(QSet<QString>(all.begin(), all.end()).size(), 360);
    for (int n = 0; n < 360; ++n)
        QVERIFY(all.contains(idOf(n)));

    // The commit of the second drain covered the duplicates too: nothing is read again.
    Result<DrainReport> third = drain(requestFor(u"crashy"_s, u"g"_s));
    VERIFY_OK(third);
    QVERIFY(third->batchId.isEmpty());
    QCOMPARE(third->messagesRead, 0);
}

void TestDrainer::cancellationKeepsWhatWasRead()
{
    VERIFY_OK(m_broker->createTopic(u"long"_s, kPartitions));
    produceGood(u"long"_s, 0, 3000);
    CancellationSource cancel;
    DrainRequest request = requestFor(u"long"_s, u"g"_s);
    request.progressEveryMessages = 100;
    Result<DrainReport> first = drain(request, cancel.token(), [&](const DrainProgress &p) {
        if (p.messagesRead >= 500)
            cancel.cancel();
    });
    VERIFY_OK(first);
    QCOMPARE(first->stop, DrainReport::Stop::Cancelled);
    QVERIFY2(first->samples >= 500 && first->samples < 3000,
             qPrintable(QString::number(first->samples)));
    QVERIFY(first->offsetsCommitted);
    QVERIFY(!first->batchId.isEmpty());

    Result<DrainReport> rest = drain(requestFor(u"long"_s, u"g"_s));
    VERIFY_OK(rest);
    QCOMPARE(rest->duplicates, 0);
    QCOMPARE(first->samples + rest->samples, 3000);
    const QStringList all = idsIn(first->batchId) + idsIn(rest->batchId);
    QCOMPARE(QSet<QString>(all.begin(), all.end()).size(), 3000);
}

void TestDrainer::maxMessagesStopsEarly()
{
    VERIFY_OK(m_broker->createTopic(u"limited"_s, kPartitions));
    produceGood(u"limited"_s, 0, 400);
    DrainRequest request = requestFor(u"limited"_s, u"g"_s);
    request.maxMessages = 150;
    Result<DrainReport> first = drain(request);
    VERIFY_OK(first);
    QCOMPARE(first->stop, DrainReport::Stop::MaxMessages);
    QCOMPARE(first->samples, 150);
    Result<DrainReport> rest = drain(requestFor(u"limited"_s, u"g"_s));
    VERIFY_OK(rest);
    QCOMPARE(rest->samples, 250);
    QCOMPARE(rest->duplicates, 0);
    const QStringList all = idsIn(first->batchId) + idsIn(rest->batchId);
    QCOMPARE(QSet<QString>(all.begin(), all.end()).size(), 400);
}

void TestDrainer::badMessagesReachTheDeadLetterTopic()
{
    VERIFY_OK(m_broker->createTopic(u"mixed"_s, 1));
    VERIFY_OK(m_broker->createTopic(u"mixed.dead"_s, 1));
    produce(u"mixed"_s, {{0, goodPayload(1)},
                         {0, badPayload(0).payload},
                         {0, goodPayload(2)},
                         {0, badPayload(1).payload},
                         {0, badPayload(2).payload}});
    DrainRequest request = requestFor(u"mixed"_s, u"g"_s);
    request.deadLetterTopic = u"mixed.dead"_s;
    Result<DrainReport> report = drain(request);
    VERIFY_OK(report);
    QCOMPARE(report->samples, 2);
    QCOMPARE(report->deadLetters, 3);

    // Read the dead-letter topic back with a plain consumer.
    Result<KafkaHandle> consumer = makeClient(
        RD_KAFKA_CONSUMER,
        m_broker->endpoint().with({{"group.id", "dlq-reader"}, {"enable.partition.eof", "true"}}));
    VERIFY_OK(consumer);
    const PartitionList assignment(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(assignment.get(), "mixed.dead", 0)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    QCOMPARE(rd_kafka_assign(consumer->get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
    QList<std::pair<QByteArray, std::map<QByteArray, QByteArray>>> received;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 10000) {
        const KafkaMessage message(rd_kafka_consumer_poll(consumer->get(), 200));
        if (!message)
            continue;
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (received.size() >= 3)
                break;
            continue;
        }
        QCOMPARE(message->err, RD_KAFKA_RESP_ERR_NO_ERROR);
        std::map<QByteArray, QByteArray> headers;
        rd_kafka_headers_t *list = nullptr;
        if (rd_kafka_message_headers(message.get(), &list) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char *name = nullptr;
            const void *value = nullptr;
            size_t size = 0;
            for (size_t i = 0; rd_kafka_header_get_all(list, i, &name, &value, &size)
                               == RD_KAFKA_RESP_ERR_NO_ERROR;
                 ++i)
                headers[name] = QByteArray(static_cast<const char *>(value), qsizetype(size));
        }
        received.append(
            {QByteArray(static_cast<const char *>(message->payload), qsizetype(message->len)),
             headers});
    }
    rd_kafka_consumer_close(consumer->get());
    QCOMPARE(received.size(), 3);
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(received[i].first, badPayload(i).payload);
        auto &headers = received[i].second;
        QVERIFY2(QString::fromUtf8(headers["millrace.deadletter.reason"])
                     .startsWith(badPayload(i).reason),
                 headers["millrace.deadletter.reason"].constData());
        QCOMPARE(headers["millrace.source.topic"], QByteArray("mixed"));
        QCOMPARE(headers["millrace.source.partition"], QByteArray("0"));
    }
    QCOMPARE(received[0].second["millrace.source.offset"], QByteArray("1"));
    QCOMPARE(received[2].second["millrace.source.offset"], QByteArray("4"));
}

void TestDrainer::offsetsNoBatchHoldsAreReported()
{
    // Two workspaces draining with one group: the second takes offsets the first then never
    // sees. Nothing is lost to Kafka, but this workspace's batches have a hole, and the user
    // should hear of it (the same happens when retention deletes messages before a drain).
    VERIFY_OK(m_broker->createTopic(u"shared"_s, 1));
    produceGood(u"shared"_s, 0, 30, 1);
    Result<DrainReport> first = drain(requestFor(u"shared"_s, u"g"_s));
    VERIFY_OK(first);
    QCOMPARE(first->samples, 30);
    QVERIFY(first->warnings.isEmpty());

    produceGood(u"shared"_s, 100, 20, 1);
    QTemporaryDir otherWorkspace;
    BatchStore otherStore = BatchStore::forWorkspace(otherWorkspace.path());
    Result<DrainReport> elsewhere =
        drainToBatch(requestFor(u"shared"_s, u"g"_s), otherStore, CancellationToken());
    VERIFY_OK(elsewhere);
    QCOMPARE(elsewhere->samples, 20);

    produceGood(u"shared"_s, 200, 5, 1);
    Result<DrainReport> back = drain(requestFor(u"shared"_s, u"g"_s));
    VERIFY_OK(back);
    QCOMPARE(back->samples, 5);
    QCOMPARE(back->warnings.size(), 1);
    QVERIFY2(
        back->warnings.constFirst().startsWith(u"partition 0: offsets 30 to 49 are in no batch"_s),
        qPrintable(back->warnings.constFirst()));
}

void TestDrainer::aRebalanceMidDrainLosesNothing()
{
    // A second consumer joins the group while a drain runs (a second workspace on the same
    // group): the first drain loses partitions in the rebalance and must carry on with the
    // rest, keeping what it read. Between the two, every message is in a batch (at least
    // once: what the first read from a partition it lost is read again by the second).
    VERIFY_OK(m_broker->createTopic(u"rebalanced"_s, kPartitions));
    produceGood(u"rebalanced"_s, 0, 1500);
    DrainRequest slow = requestFor(u"rebalanced"_s, u"g"_s);
    slow.progressEveryMessages = 25;
    std::atomic_bool firstIsReading = false;
    std::atomic_bool firstIsDone = false;
    int fewestPartitions = kPartitions;
    Result<DrainReport> first = fail(u"not run"_s);
    std::thread firstDrain([&] {
        // Slowed down (50 ms per 25 messages) so the second member joins mid-drain.
        first = drain(slow, CancellationToken(), [&](const DrainProgress &progress) {
            if (progress.messagesRead > 0) {
                firstIsReading = true;
                fewestPartitions = std::min(fewestPartitions, progress.assignedPartitions);
            }
            QThread::msleep(50);
        });
        firstIsDone = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(firstIsReading.load(), 20000);
    QTemporaryDir otherWorkspace;
    BatchStore otherStore = BatchStore::forWorkspace(otherWorkspace.path());
    // The second member stays in the group until the first drain is over: were it to finish
    // and leave first, the first would get every partition back and commit them all, which is
    // right, but not the case under test.
    Result<DrainReport> second =
        drainToBatch(requestFor(u"rebalanced"_s, u"g"_s), otherStore, CancellationToken(),
                     [&](const DrainProgress &progress) {
                         while (progress.messagesRead > 0 && !firstIsDone)
                             QThread::msleep(10);
                     });
    firstDrain.join();
    VERIFY_OK(first);
    VERIFY_OK(second);
    // The first drain lost partitions on the way (it may still have read everything: its
    // client had fetched ahead), and the second got some.
    QVERIFY2(fewestPartitions < kPartitions, "no rebalance happened during the first drain");
    QVERIFY(second->samples > 0);
    QVERIFY(first->committedOffsets.size() < std::size_t(kPartitions));
    QStringList all = idsIn(first->batchId);
    Result<QStringList> otherIds = otherStore.loadIds(second->batchId);
    VERIFY_OK(otherIds);
    all += *otherIds;
    const QSet<QString> distinct(all.begin(), all.end());
    QCOMPARE(distinct.size(), 1500);
}

void TestDrainer::badRequestsAreRefused()
{
    DrainRequest request = requestFor(u"fashion"_s, u"g"_s);
    request.codec = nullptr;
    VERIFY_FAILS(drain(request), u"INVALID_ARGUMENT"_s);
    request = requestFor(u"fashion"_s, QString());
    VERIFY_FAILS(drain(request), u"INVALID_ARGUMENT"_s);
    request = requestFor(u"fashion"_s, u"g"_s);
    request.layout.sampleShape = {0};
    VERIFY_FAILS(drain(request), u"INVALID_ARGUMENT"_s);
}

void TestDrainer::aMissingTopicIsAnError()
{
    DrainRequest request = requestFor(u"no-such-topic"_s, u"g"_s);
    const Result<DrainReport> report = drain(request);
    VERIFY_FAILS(report, u"NOT_FOUND"_s);
    QCOMPARE(report.errorMessage(), u"there is no topic 'no-such-topic'"_s);
    // No batch and no stray folder either.
    QVERIFY(QDir(m_store->incomingDir())
                .entryList({u".*.partial"_s}, QDir::Dirs | QDir::Hidden)
                .isEmpty());
}

QTEST_GUILESS_MAIN(TestDrainer)
#include "tst_drainer.moc"

// The drain from Kafka into batches against a real Apache Kafka broker (KRaft, on 127.0.0.1,
// started by testsupport/kafkabroker.h), where it has to hold: a drain killed with SIGKILL in the
// middle of reading, or between its batch and its commit, loses no message and repeats none; a
// broker that goes away mid-drain and comes back costs nothing; bad messages end up as dead
// letters with their reasons, in the batch and in a dead-letter topic. "Exactly once" is checked
// by the ids the messages carry, over every batch the workspace holds.

#include "core/plugins/pluginmanager.h"
#include "core/streams/batchstore.h"
#include "core/streams/clusterclient.h"
#include "core/streams/drainer.h"
#include "core/streams/kafkahandles.h"
#include "core/streams/producer.h"
#include "core/streams/simulator.h"
#include "plugins/api/messagecodec.h"
#include "testsupport/kafkabroker.h"
#include "testsupport/verify.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <map>
#include <set>
#include <thread>

using namespace millrace;
using namespace millrace::streams;
using testsupport::KafkaBroker;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

namespace {

constexpr int kPartitions = 3;

// Ten 28×28 images with labels 0–9: small, but real samples of the shape the layout expects.
std::shared_ptr<const ml::Dataset> tenImages()
{
    auto data = std::make_shared<ml::Dataset>();
    data->sampleShape = {28, 28};
    data->classCount = 10;
    for (int sample = 0; sample < 10; ++sample) {
        for (int pixel = 0; pixel < 784; ++pixel)
            data->features.push_back(float((sample * 37 + pixel) % 256) / 255.0f);
        data->classLabels.push_back(sample);
    }
    return data;
}

SimulatorSource sourceWithPrefix(const QString &prefix)
{
    SimulatorSource source;
    source.samples = tenImages();
    source.idPrefix = prefix;
    return source;
}

// The id simulatorRecord() gives message `sequence` (made from image sequence % 10).
QString recordId(const SimulatorSource &source, std::int64_t sequence)
{
    return u"%1-%2-%3"_s.arg(source.idPrefix).arg(sequence % 10).arg(sequence);
}

OutgoingMessage recordMessage(const SimulatorSource &source, std::int64_t sequence)
{
    OutgoingMessage message;
    message.partition = std::int32_t(sequence % kPartitions);
    message.value = simulatorRecord(source, std::size_t(sequence % 10), sequence);
    return message;
}

// How often each id occurs over the samples of every batch in `store`; empty with a warning
// when a batch cannot be read.
QHash<QString, int> idCounts(BatchStore &store)
{
    QHash<QString, int> counts;
    Result<std::vector<BatchManifest>> batches = store.list();
    if (!batches) {
        qWarning().noquote() << batches.errorMessage();
        return {};
    }
    for (const BatchManifest &batch : *batches) {
        Result<QStringList> ids = store.loadIds(batch.id);
        if (!ids) {
            qWarning().noquote() << ids.errorMessage();
            return {};
        }
        for (const QString &id : *ids)
            ++counts[id];
    }
    return counts;
}

// Names the first id of `expected` that is missing or repeated in `counts`, or else the first id
// nobody produced; empty when every expected id occurs exactly once and nothing else does.
QString exactlyOnceProblem(const QHash<QString, int> &counts, const QStringList &expected)
{
    for (const QString &id : expected) {
        const int seen = counts.value(id);
        if (seen != 1)
            return u"id %1 occurs %2 times over the batches, not once"_s.arg(id).arg(seen);
    }
    if (counts.size() != expected.size()) {
        const QSet<QString> known(expected.begin(), expected.end());
        for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
            if (!known.contains(it.key()))
                return u"id %1 was never produced"_s.arg(it.key());
        }
    }
    return {};
}

QStringList partialFolders(const QString &incomingDir)
{
    return QDir(incomingDir).entryList({u".*.partial"_s}, QDir::Dirs | QDir::Hidden);
}

QStringList visibleBatchFolders(const QString &incomingDir)
{
    return QDir(incomingDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
}

// One run of drain_crash_writer, reading what it prints line by line. Destroying a run that is
// still going kills it, so a failed check leaves no process behind.
class WriterRun
{
public:
    explicit WriterRun(const QStringList &arguments)
    {
        m_process.start(qEnvironmentVariable("MILLRACE_DRAIN_CRASH_WRITER"), arguments);
    }
    ~WriterRun()
    {
        if (m_process.state() != QProcess::NotRunning)
            kill();
    }

    // Waits up to `timeoutMs` for a line starting with one of `prefixes` or with "FAILED",
    // and returns it; empty when the writer ended or the time ran out first.
    QString waitForLine(const QStringList &prefixes, int timeoutMs)
    {
        QElapsedTimer waited;
        waited.start();
        for (;;) {
            while (m_process.canReadLine()) {
                const QString line = QString::fromUtf8(m_process.readLine()).trimmed();
                m_lines.append(line);
                if (line.startsWith(u"FAILED"_s))
                    return line;
                for (const QString &prefix : prefixes) {
                    if (line.startsWith(prefix))
                        return line;
                }
            }
            const qint64 left = timeoutMs - waited.elapsed();
            if (left <= 0)
                return {};
            if (!m_process.waitForReadyRead(int(std::min<qint64>(left, 1000)))
                && m_process.state() == QProcess::NotRunning && !m_process.canReadLine())
                return {};
        }
    }

    // SIGKILL, as a crash or the OOM killer would stop it; true when that is how it ended.
    bool kill()
    {
        m_process.kill();
        return m_process.waitForFinished(10000) && m_process.exitStatus() == QProcess::CrashExit;
    }

    // Waits for the writer to exit by itself; true when it did with exit code 0.
    bool finish()
    {
        return m_process.waitForFinished(30000) && m_process.exitStatus() == QProcess::NormalExit
               && m_process.exitCode() == 0;
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    const QStringList &lines() const { return m_lines; }

    // What it printed and logged, for a failure message.
    QString transcript()
    {
        return u"exit %1, stdout:\n%2\nstderr:\n%3"_s.arg(m_process.exitCode())
            .arg(m_lines.join(u'\n') + QString::fromUtf8(m_process.readAllStandardOutput()),
                 QString::fromUtf8(m_process.readAllStandardError()));
    }

private:
    QProcess m_process;
    QStringList m_lines;
};

// A message read back from a topic, with its headers by name.
struct ReceivedMessage
{
    QByteArray payload;
    std::map<QByteArray, QByteArray> headers;
};

// Reads every message of partition 0 of `topic` from the start with a plain consumer (no group
// commits); stops at the end of the partition once `expected` arrived, or after 20 s.
Result<QList<ReceivedMessage>> readPartitionZero(const ClusterEndpoint &endpoint,
                                                 const QString &topic, int expected)
{
    Result<KafkaHandle> consumer =
        makeClient(RD_KAFKA_CONSUMER, endpoint.with({{"group.id", "millrace-dead-letter-reader"},
                                                     {"enable.partition.eof", "true"},
                                                     {"enable.auto.commit", "false"}}));
    if (!consumer)
        return consumer.error();
    const PartitionList assignment(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(assignment.get(), topic.toUtf8().constData(), 0)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    if (const rd_kafka_resp_err_t error = rd_kafka_assign(consumer->get(), assignment.get()))
        return kafkaError(u"assigning"_s, error);
    QList<ReceivedMessage> received;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 20000) {
        const KafkaMessage message(rd_kafka_consumer_poll(consumer->get(), 200));
        if (!message)
            continue;
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (received.size() >= expected)
                break;
            continue;
        }
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR)
            return kafkaError(u"reading '%1'"_s.arg(topic), message->err);
        ReceivedMessage one;
        one.payload =
            QByteArray(static_cast<const char *>(message->payload), qsizetype(message->len));
        rd_kafka_headers_t *headers = nullptr;
        if (rd_kafka_message_headers(message.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char *name = nullptr;
            const void *value = nullptr;
            size_t size = 0;
            for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size)
                               == RD_KAFKA_RESP_ERR_NO_ERROR;
                 ++i)
                one.headers[name] = QByteArray(static_cast<const char *>(value), qsizetype(size));
        }
        received.append(std::move(one));
    }
    rd_kafka_consumer_close(consumer->get());
    return received;
}

} // namespace

class TestDrainCrash : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void aKilledDrainLosesAndRepeatsNothing();
    void badMessagesBecomeDeadLettersWithTheirReasons();
    // Last: it stops the broker.
    void aBrokerOutageMidDrainLosesNothing();

private:
    Result<void> produce(const QString &topic, const SimulatorSource &source, std::int64_t first,
                         std::int64_t count, const ClusterEndpoint &endpoint,
                         const ProducerOptions &options = {});
    Result<void> produce(const QString &topic, const SimulatorSource &source, std::int64_t first,
                         std::int64_t count)
    {
        return produce(topic, source, first, count, m_endpoint);
    }
    DrainRequest requestFor(const QString &topic, const QString &group) const;
    QStringList writerArguments(const QString &topic, const QString &group,
                                const QString &workspace) const;

    KafkaBroker m_broker;
    ClusterEndpoint m_endpoint;
    std::unique_ptr<ClusterClient> m_client;
    PluginManager m_plugins;
    const plugins::MessageCodec *m_codec = nullptr;
};

void TestDrainCrash::initTestCase()
{
    QVERIFY2(QFileInfo(qEnvironmentVariable("MILLRACE_DRAIN_CRASH_WRITER")).isExecutable(),
             "MILLRACE_DRAIN_CRASH_WRITER does not name drain_crash_writer: run through ctest");
    m_plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    m_codec = m_plugins.find<plugins::MessageCodec>(u"json-codec"_s);
    QVERIFY2(m_codec, "json-codec not found in " MILLRACE_BUILTIN_PLUGIN_DIR);
    QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
    m_endpoint = ClusterEndpoint{u"crash test broker"_s,
                                 {{"bootstrap.servers", m_broker.bootstrapServers().toStdString()}},
                                 nullptr};
    Result<std::unique_ptr<ClusterClient>> client = ClusterClient::create(m_endpoint);
    VERIFY_OK(client);
    m_client = std::move(client.value());
}

Result<void> TestDrainCrash::produce(const QString &topic, const SimulatorSource &source,
                                     std::int64_t first, std::int64_t count,
                                     const ClusterEndpoint &endpoint,
                                     const ProducerOptions &options)
{
    Result<std::unique_ptr<MessageProducer>> producer = MessageProducer::create(endpoint, options);
    if (!producer)
        return producer.error();
    for (std::int64_t sequence = first; sequence < first + count; ++sequence) {
        if (Result<void> sent = producer.value()->send(topic, recordMessage(source, sequence));
            !sent)
            return sent;
    }
    Result<ProduceSummary> summary = producer.value()->flush(60s);
    if (!summary)
        return summary.error();
    if (summary->failed > 0 || summary->delivered != count)
        return fail(u"%1 of %2 messages delivered: %3"_s.arg(summary->delivered)
                        .arg(count)
                        .arg(summary->firstError));
    return {};
}

DrainRequest TestDrainCrash::requestFor(const QString &topic, const QString &group) const
{
    DrainRequest request;
    request.endpoint = m_endpoint;
    request.topic = topic;
    request.groupId = group;
    request.layout = RecordLayout::fashionMnist();
    request.codec = m_codec;
    request.idleTimeout = 15s;
    return request;
}

QStringList TestDrainCrash::writerArguments(const QString &topic, const QString &group,
                                            const QString &workspace) const
{
    const BatchStore store = BatchStore::forWorkspace(workspace);
    // The join timeout covers the session (10 s) of a killed writer, whose partitions the broker
    // keeps until then.
    QStringList arguments;
    arguments << u"--bootstrap"_s << m_broker.bootstrapServers();
    arguments << u"--topic"_s << topic << u"--group"_s << group;
    arguments << u"--incoming"_s << store.incomingDir() << u"--used"_s << store.usedDir();
    arguments << u"--join-timeout-ms"_s << u"60000"_s;
    return arguments;
}

void TestDrainCrash::aKilledDrainLosesAndRepeatsNothing()
{
    const QString topic = u"crash"_s;
    const QString group = u"crash-drain"_s;
    VERIFY_OK(m_client->createTopic(TopicSpec{topic, kPartitions, 1, {}}));
    const SimulatorSource source = sourceWithPrefix(u"crash"_s);
    VERIFY_OK(produce(topic, source, 0, 6000));
    QTemporaryDir workspace;
    QVERIFY(workspace.isValid());
    const QStringList arguments = writerArguments(topic, group, workspace.path());
    const QString incoming = BatchStore::forWorkspace(workspace.path()).incomingDir();
    QElapsedTimer clock;
    clock.start();

    // 1. Killed in the middle of reading: half a batch on disk, none visible. More messages
    // arrive while it hangs there.
    {
        WriterRun writer(arguments + QStringList{u"--pause-after"_s, u"2500"_s});
        const QString paused = writer.waitForLine({u"PAUSED"_s}, 60000);
        QVERIFY2(paused == u"PAUSED 2500"_s, qPrintable(writer.transcript()));
        QCOMPARE(partialFolders(incoming).size(), 1);
        QVERIFY(visibleBatchFolders(incoming).isEmpty());
        VERIFY_OK(produce(topic, source, 6000, 1000));
        QVERIFY(writer.kill());
    }
    qInfo("killed mid-read after %lld ms", clock.elapsed());

    // 2. Killed after its batch of all 7000 is in place, before the offsets are committed.
    QString keptBatch;
    {
        WriterRun writer(arguments + QStringList{u"--pause-before-commit"_s});
        const QString batch = writer.waitForLine({u"BATCH"_s}, 90000);
        QVERIFY2(batch.startsWith(u"BATCH "_s), qPrintable(writer.transcript()));
        keptBatch = batch.section(u' ', 1, 1);
        QCOMPARE(batch.section(u' ', 2, 2), u"7000"_s);
        QVERIFY(writer.isRunning());
        QCOMPARE(visibleBatchFolders(incoming), QStringList{keptBatch});
        // The killed writer's half-written batch went when this one opened the store.
        QVERIFY(partialFolders(incoming).isEmpty());
        QVERIFY(writer.kill());
    }
    qInfo("killed before the commit after %lld ms", clock.elapsed());
    Result<std::vector<GroupPartitionLag>> lag = m_client->groupLag(group, {topic});
    VERIFY_OK(lag);
    QCOMPARE(lag->size(), std::size_t(kPartitions));
    for (const GroupPartitionLag &partition : *lag)
        QCOMPARE(partition.committedOffset, -1);

    // 3. The next drain reads it all again, finds every message in the kept batch, makes no
    // batch, and moves the group to the end: its lag is gone.
    {
        WriterRun writer(arguments);
        const QString done = writer.waitForLine({u"DONE"_s}, 90000);
        QVERIFY2(done == u"DONE 0 0 7000"_s, qPrintable(writer.transcript()));
        QVERIFY2(writer.finish(), qPrintable(writer.transcript()));
        QVERIFY2(!writer.lines().join(u'\n').contains(u"BATCH"_s), qPrintable(writer.transcript()));
    }
    qInfo("drained the duplicates after %lld ms", clock.elapsed());
    lag = m_client->groupLag(group, {topic});
    VERIFY_OK(lag);
    for (const GroupPartitionLag &partition : *lag) {
        QCOMPARE(partition.committedOffset, partition.highWatermark);
        QCOMPARE(partition.lag, 0);
    }

    // 4. So another drain reads nothing at all.
    {
        WriterRun writer(arguments);
        const QString done = writer.waitForLine({u"DONE"_s}, 90000);
        QVERIFY2(done == u"DONE 0 0 0"_s, qPrintable(writer.transcript()));
        QVERIFY2(writer.finish(), qPrintable(writer.transcript()));
    }

    // 5. And new messages make the next batch, with nothing read twice.
    VERIFY_OK(produce(topic, source, 7000, 500));
    {
        WriterRun writer(arguments);
        const QString done = writer.waitForLine({u"DONE"_s}, 90000);
        QVERIFY2(done == u"DONE 500 0 0"_s, qPrintable(writer.transcript()));
        QVERIFY2(writer.finish(), qPrintable(writer.transcript()));
    }

    // Every message in exactly one batch, and once the store is opened again, no leftovers.
    BatchStore store = BatchStore::forWorkspace(workspace.path());
    VERIFY_OK(store.open());
    QVERIFY2(partialFolders(incoming).isEmpty(), qPrintable(partialFolders(incoming).join(u' ')));
    Result<std::vector<BatchManifest>> batches = store.list();
    VERIFY_OK(batches);
    QCOMPARE(batches->size(), std::size_t(2));
    QCOMPARE(batches->front().id, keptBatch);
    QStringList expected;
    for (std::int64_t sequence = 0; sequence < 7500; ++sequence)
        expected.append(recordId(source, sequence));
    const QString problem = exactlyOnceProblem(idCounts(store), expected);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    // The samples are the images the messages held, not just their ids.
    Result<ml::Dataset> kept = store.load(keptBatch);
    VERIFY_OK(kept);
    QCOMPARE(kept->size(), std::size_t(7000));
    const QStringList keptIds = store.loadIds(keptBatch).value();
    for (qsizetype i = 0; i < keptIds.size(); i += 997) {
        const int image = keptIds[i].section(u'-', 1, 1).toInt();
        QCOMPARE(kept->classLabels[std::size_t(i)], image);
        QCOMPARE(kept->features[std::size_t(i) * 784 + 100],
                 float((image * 37 + 100) % 256) / 255.0f);
    }
}

void TestDrainCrash::badMessagesBecomeDeadLettersWithTheirReasons()
{
    const QString topic = u"malformed"_s;
    const QString deadTopic = u"malformed.dead"_s;
    VERIFY_OK(m_client->createTopic(TopicSpec{topic, kPartitions, 1, {}}));
    VERIFY_OK(m_client->createTopic(TopicSpec{deadTopic, 1, 1, {}}));

    // 300 good messages with 30 bad ones among them, ten of each kind, spread over the
    // partitions; each bad payload is unique so it can be traced.
    const SimulatorSource source = sourceWithPrefix(u"good"_s);
    QStringList goodIds;
    std::map<QByteArray, QString> reasonOf; // bad payload → the reason it must carry
    Result<std::unique_ptr<MessageProducer>> producer = MessageProducer::create(m_endpoint);
    VERIFY_OK(producer);
    for (int n = 0; n < 330; ++n) {
        OutgoingMessage message = recordMessage(source, n);
        if (n % 11 == 10) {
            const QByteArray id = "bad-" + QByteArray::number(n);
            switch (n / 11 % 3) {
            case 0:
                message.value = "{\"id\":\"" + id + "\",\"label\":1,\"image\":[0,1,2";
                reasonOf[message.value] = u"not valid JSON"_s;
                break;
            case 1: {
                QByteArray image = "0";
                for (int pixel = 1; pixel < 783; ++pixel)
                    image += ',' + QByteArray::number(pixel % 256);
                message.value = "{\"id\":\"" + id + "\",\"image\":[" + image + "],\"label\":4}";
                reasonOf[message.value] = u"image has 783 values, expected 784"_s;
                break;
            }
            default:
                message.value = simulatorRecord(source, 2, n);
                message.value.replace("\"label\":", "\"class\":");
                reasonOf[message.value] = u"missing label"_s;
                break;
            }
        } else {
            goodIds.append(recordId(source, n));
        }
        VERIFY_OK(producer.value()->send(topic, message));
    }
    VERIFY_OK(producer.value()->flush(30s));
    QCOMPARE(producer.value()->summary().delivered, 330);
    QCOMPARE(reasonOf.size(), std::size_t(30));

    QTemporaryDir workspace;
    BatchStore store = BatchStore::forWorkspace(workspace.path());
    DrainRequest request = requestFor(topic, u"malformed-drain"_s);
    request.deadLetterTopic = deadTopic;
    Result<DrainReport> report = drainToBatch(request, store, CancellationToken());
    VERIFY_OK(report);
    QCOMPARE(report->stop, DrainReport::Stop::CaughtUp);
    QCOMPARE(report->samples, 300);
    QCOMPARE(report->deadLetters, 30);
    QCOMPARE(report->messagesRead, 330);
    QCOMPARE(report->duplicates, 0);
    QVERIFY2(report->offsetsCommitted, qPrintable(report->commitError));
    QCOMPARE(report->batch.sampleCount, 300);
    QCOMPARE(report->batch.deadLetterCount, 30);

    // The good ones, each once, in the batch.
    const QString problem = exactlyOnceProblem(idCounts(store), goodIds);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));

    // The bad ones in deadletter.jsonl, with their reasons and where they came from.
    QFile file(QDir(report->batch.path).filePath(QString::fromLatin1(batchfile::kDeadLetters)));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    std::map<QByteArray, std::pair<int, qint64>> positionOf; // payload → partition, offset
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const QJsonObject letter = QJsonDocument::fromJson(line).object();
        const QByteArray payload = letter.value(u"payload"_s).toString().toUtf8();
        QVERIFY2(reasonOf.count(payload), payload.left(60).constData());
        const QString reason = letter.value(u"reason"_s).toString();
        QVERIFY2(reason.startsWith(reasonOf[payload]), qPrintable(reason));
        QCOMPARE(letter.value(u"topic"_s).toString(), topic);
        QVERIFY(!positionOf.count(payload));
        positionOf[payload] = {letter.value(u"partition"_s).toInt(),
                               letter.value(u"offset"_s).toInteger()};
    }
    QCOMPARE(positionOf.size(), std::size_t(30));

    // And in the dead-letter topic, with the reason and the source in the headers.
    Result<QList<ReceivedMessage>> received = readPartitionZero(m_endpoint, deadTopic, 30);
    VERIFY_OK(received);
    QCOMPARE(received->size(), 30);
    std::set<QByteArray> seen;
    for (const ReceivedMessage &message : *received) {
        const auto header = [&message](const char *name) {
            const auto found = message.headers.find(QByteArray(name));
            return found == message.headers.end() ? QByteArray() : found->second;
        };
        QVERIFY2(reasonOf.count(message.payload), message.payload.left(60).constData());
        QVERIFY(seen.insert(message.payload).second);
        const QString reason = QString::fromUtf8(header("millrace.deadletter.reason"));
        QVERIFY2(reason.startsWith(reasonOf[message.payload]), qPrintable(reason));
        QCOMPARE(header("millrace.source.topic"), topic.toUtf8());
        const auto [partition, offset] = positionOf.at(message.payload);
        QCOMPARE(header("millrace.source.partition"), QByteArray::number(partition));
        QCOMPARE(header("millrace.source.offset"), QByteArray::number(offset));
    }
}

void TestDrainCrash::aBrokerOutageMidDrainLosesNothing()
{
    const QString topic = u"outage"_s;
    const QString group = u"outage-drain"_s;
    VERIFY_OK(m_client->createTopic(TopicSpec{topic, kPartitions, 1, {}}));
    const SimulatorSource source = sourceWithPrefix(u"outage"_s);
    // Uncompressed, in record batches of 64 KB (about 20 messages): a consumer's fetch limits
    // count compressed bytes and always let a whole batch through, so a backlog sent in a few
    // big compressed batches could reach the drain in one fetch, before the outage.
    ClusterEndpoint smallBatches = m_endpoint;
    smallBatches.properties.emplace_back("batch.size", "65536");
    ProducerOptions uncompressed;
    uncompressed.compression = u"none"_s;
    constexpr std::int64_t kBacklog = 6000;
    VERIFY_OK(produce(topic, source, 0, kBacklog, smallBatches, uncompressed));

    // A producer keeps filling the topic throughout (about 100 messages a second), the outage
    // included: its messages wait in its queue then.
    std::atomic_bool stopProducing = false;
    std::int64_t produced = 0;
    Result<ProduceSummary> producerResult = fail(u"not run"_s);
    std::thread producerThread([&] {
        Result<std::unique_ptr<MessageProducer>> producer =
            MessageProducer::create(smallBatches, uncompressed);
        if (!producer) {
            producerResult = producer.error();
            return;
        }
        std::int64_t sequence = kBacklog;
        while (!stopProducing) {
            for (int i = 0; i < 5; ++i, ++sequence) {
                if (Result<void> sent =
                        producer.value()->send(topic, recordMessage(source, sequence));
                    !sent) {
                    producerResult = sent.error();
                    return;
                }
            }
            producer.value()->poll();
            QThread::msleep(50);
        }
        produced = sequence - kBacklog;
        producerResult = producer.value()->flush(120s);
    });

    // The drain pauses (in its progress callback) after 1000 messages until the broker is down,
    // then goes on. A small fetch queue (fetching stops at 500 messages or 2 MB, and a fetch
    // brings at most 2 MB) keeps it from holding the whole backlog beforehand, so most of it
    // must come from the broker after the outage.
    QTemporaryDir workspace;
    DrainRequest request = requestFor(topic, group);
    request.endpoint.properties.emplace_back("queued.max.messages.kbytes", "2048");
    request.endpoint.properties.emplace_back("queued.min.messages", "500");
    request.idleTimeout = 90s;
    request.progressEveryMessages = 100;
    std::atomic<std::int64_t> messagesRead = 0;
    std::atomic_bool pausedForOutage = false;
    std::atomic_bool brokerIsDown = false;
    std::atomic_bool drainEnded = false;
    CancellationSource cancel;
    Result<DrainReport> drained = fail(u"not run"_s);
    std::thread drainThread([&] {
        BatchStore store = BatchStore::forWorkspace(workspace.path());
        drained = drainToBatch(request, store, cancel.token(), [&](const DrainProgress &progress) {
            messagesRead = progress.messagesRead;
            if (progress.messagesRead >= 1000 && !pausedForOutage) {
                pausedForOutage = true;
                while (!brokerIsDown && !cancel.token().isCancelled())
                    QThread::msleep(10);
            }
        });
        drainEnded = true;
    });
    // Whatever happens below, the threads end before this function does; a drain still going
    // then is cancelled.
    const auto endThreads = [&] {
        if (drainThread.joinable()) {
            if (!drainEnded)
                cancel.cancel();
            drainThread.join();
        }
        stopProducing = true;
        if (producerThread.joinable())
            producerThread.join();
    };
    const auto cleanup = qScopeGuard(endThreads);

    QTRY_VERIFY_WITH_TIMEOUT(pausedForOutage.load(), 60000);
    QVERIFY2(m_broker.stop(), qPrintable(m_broker.errorString()));
    brokerIsDown = true;
    // Down for longer than the consumer's session (10 s): the group must take it back after.
    QTest::qWait(12000);
    const std::int64_t readWhileDown = messagesRead;
    if (drainEnded) {
        endThreads();
        QFAIL(qPrintable(u"the drain ended while the broker was down, %1"_s.arg(
            drained ? u"as caught up"_s : drained.errorMessage())));
    }
    QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(drainEnded.load(), 120000);
    endThreads();

    VERIFY_OK(drained);
    VERIFY_OK(producerResult);
    QCOMPARE(producerResult->failed, 0);
    QCOMPARE(producerResult->delivered, produced);
    qInfo("read %lld before the broker came back, %lld in all; %lld produced meanwhile",
          qlonglong(readWhileDown), qlonglong(drained->messagesRead), qlonglong(produced));
    // The outage stopped a drain that still had most of the backlog to read: the test tested
    // something.
    QVERIFY2(readWhileDown < kBacklog, qPrintable(QString::number(readWhileDown)));
    // It waited for the broker and finished the backlog, rather than giving up.
    QCOMPARE(drained->stop, DrainReport::Stop::CaughtUp);
    QVERIFY2(drained->samples >= kBacklog, qPrintable(QString::number(drained->samples)));
    QVERIFY2(drained->offsetsCommitted, qPrintable(drained->commitError));

    // A second drain takes what arrived after the first began; between them, every message.
    BatchStore store = BatchStore::forWorkspace(workspace.path());
    Result<DrainReport> rest = drainToBatch(requestFor(topic, group), store, CancellationToken());
    VERIFY_OK(rest);
    QCOMPARE(rest->duplicates, 0);
    QCOMPARE(drained->samples + rest->samples, kBacklog + produced);
    QStringList expected;
    for (std::int64_t sequence = 0; sequence < kBacklog + produced; ++sequence)
        expected.append(recordId(source, sequence));
    const QString problem = exactlyOnceProblem(idCounts(store), expected);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
}

QTEST_GUILESS_MAIN(TestDrainCrash)
#include "tst_draincrash.moc"

// Drain throughput: Fashion-MNIST test images published as JSON (as the shipped pipeline
// publishes them) to the embedded broker, then read back by `kcat -C -e` (raw consumption, the
// yardstick) and by drainToBatch (decode, check, write a batch), in the same run. Also times the
// per-message steps alone (JSON parse, record to sample) to show where a drain's time goes.
//
//   bench_drain [messages]     (default 36000; the test set repeats past 10000)
//
// The embedded broker keeps about 5 MB per partition (older messages are dropped), so the
// messages are spread over one partition per 3000 to keep every one of them.
//
// With --bootstrap it is bench_streams.sh's helper on a real broker, one step per process so
// the script can interleave the peers between drains:
//
//   bench_drain --bootstrap HOST:PORT --topic T --publish N
//       publishes N records with the stream simulator (runSimulator, unthrottled) drawn from the
//       Fashion-MNIST training set; prints "published <messages> <seconds>"
//   bench_drain --bootstrap HOST:PORT --topic T --drain GROUP --expect N
//       drains the topic once as consumer group GROUP into a new temporary workspace; prints
//       "drained <messages> <seconds> <reading messages/s>", the seconds from the call (joining
//       the group) to the batch synced and the offsets committed

#include "core/ml/idx.h"
#include "core/plugins/pluginmanager.h"
#include "core/streams/batchstore.h"
#include "core/streams/drainer.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/jsonsamplereader.h"
#include "core/streams/producer.h"
#include "core/streams/sha256.h"
#include "core/streams/simulator.h"
#include "plugins/api/messagecodec.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <cstdio>

using namespace millrace;
using namespace millrace::streams;

namespace {

void report(const char *name, double value, const char *unit)
{
    std::printf("BENCH %s %.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

QByteArray samplePayload(const ml::Dataset &images, std::size_t index, int n)
{
    const std::size_t featureCount = images.featureCount();
    QByteArray payload = "{\"id\":\"s-" + QByteArray::number(n) + "\",\"label\":"
                         + QByteArray::number(images.classLabels[index]) + ",\"image\":[";
    for (std::size_t i = 0; i < featureCount; ++i) {
        if (i > 0)
            payload += ',';
        payload += QByteArray::number(qRound(images.features[index * featureCount + i] * 255.0f));
    }
    return payload + "]}";
}

const plugins::MessageCodec *jsonCodec(PluginManager &plugins)
{
    plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    const auto *codec = plugins.find<plugins::MessageCodec>(QStringLiteral("json-codec"));
    if (!codec)
        qFatal("json-codec plugin not found in %s", MILLRACE_BUILTIN_PLUGIN_DIR);
    return codec;
}

// --publish: the shipped simulator at full speed, so the topic holds what users' topics hold
// (random draws with replacement, the simulator's ids, lz4 as MessageProducer's default).
int publishToRealBroker(const ClusterEndpoint &endpoint, const QString &topic, qint64 count)
{
    ml::Result<ml::Dataset> images =
        ml::readFashionMnist(ml::fashionMnistDefaultDirectory(), ml::FashionMnistPart::Train);
    if (!images)
        qFatal("%s", images.errorMessage().c_str());
    SimulatorRequest request;
    request.topic = topic;
    request.source.samples = std::make_shared<const ml::Dataset>(std::move(*images));
    request.source.idPrefix = QStringLiteral("fmnist");
    request.rate = 1e9;
    request.count = count;
    QElapsedTimer timer;
    timer.start();
    Result<SimulatorStatus> status =
        runSimulator(endpoint, request, CancellationToken(), [](const SimulatorStatus &) {});
    if (!status)
        qFatal("%s", qPrintable(status.errorMessage()));
    if (status->delivered != count || status->failed > 0)
        qFatal("published %lld of %lld (%lld failed: %s)", qlonglong(status->delivered),
               qlonglong(count), qlonglong(status->failed), qPrintable(status->error));
    std::printf("published %lld %.3f\n", qlonglong(count), timer.nsecsElapsed() / 1e9);
    return 0;
}

// --drain: one drain as the app runs it, into a workspace of its own, checked for completeness.
int drainFromRealBroker(const ClusterEndpoint &endpoint, const QString &topic, const QString &group,
                        qint64 expected)
{
    PluginManager plugins;
    const plugins::MessageCodec *codec = jsonCodec(plugins);
    QTemporaryDir workspace;
    BatchStore store = BatchStore::forWorkspace(workspace.path());
    DrainRequest request;
    request.endpoint = endpoint;
    request.topic = topic;
    request.groupId = group;
    request.layout = RecordLayout::fashionMnist();
    request.codec = codec;
    QElapsedTimer timer;
    timer.start();
    Result<DrainReport> drained = drainToBatch(request, store, CancellationToken());
    const double seconds = timer.nsecsElapsed() / 1e9;
    if (!drained)
        qFatal("%s", qPrintable(drained.errorMessage()));
    if (drained->samples != expected || !drained->offsetsCommitted)
        qFatal("drained %lld of %lld (read %lld, stop %d, committed: %s)",
               qlonglong(drained->samples), qlonglong(expected), qlonglong(drained->messagesRead),
               int(drained->stop), drained->offsetsCommitted ? "yes" : "no");
    std::printf("drained %lld %.3f %.1f\n", qlonglong(drained->samples), seconds,
                drained->messagesPerSecond);
    return 0;
}

int realBrokerMain(const QStringList &arguments)
{
    const auto option = [&](const char *name) {
        const qsizetype at = arguments.indexOf(QLatin1String(name));
        return at >= 0 && at + 1 < arguments.size() ? arguments.at(at + 1) : QString();
    };
    const QString bootstrap = option("--bootstrap");
    const QString topic = option("--topic");
    if (bootstrap.isEmpty() || topic.isEmpty())
        qFatal("usage: bench_drain --bootstrap HOST:PORT --topic T (--publish N | --drain GROUP "
               "--expect N)");
    const ClusterEndpoint endpoint{
        QStringLiteral("bench broker"), {{"bootstrap.servers", bootstrap.toStdString()}}, nullptr};
    if (const qint64 count = option("--publish").toLongLong(); count > 0)
        return publishToRealBroker(endpoint, topic, count);
    const QString group = option("--drain");
    const qint64 expected = option("--expect").toLongLong();
    if (group.isEmpty() || expected <= 0)
        qFatal("bench_drain: --publish N or --drain GROUP --expect N");
    return drainFromRealBroker(endpoint, topic, group, expected);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.contains(QStringLiteral("--bootstrap")))
        return realBrokerMain(arguments);
    // --drain-only skips the step timings and kcat, for profiling the drain alone.
    const bool drainOnly = arguments.contains(QStringLiteral("--drain-only"));
    const int messageCount =
        arguments.size() > 1 && arguments.at(1).toInt() > 0 ? arguments.at(1).toInt() : 36000;
    // About 3000 messages (3.5 MB compressed) per partition.
    const int kPartitions = std::max(1, (messageCount + 2999) / 3000);

    ml::Result<ml::Dataset> images =
        ml::readFashionMnist(ml::fashionMnistDefaultDirectory(), ml::FashionMnistPart::Test);
    if (!images)
        qFatal("%s", images.errorMessage().c_str());
    PluginManager plugins;
    const plugins::MessageCodec *codec = jsonCodec(plugins);

    std::vector<QByteArray> payloads;
    qint64 payloadBytes = 0;
    for (int n = 0; n < messageCount; ++n) {
        payloads.push_back(samplePayload(*images, std::size_t(n) % images->size(), n));
        payloadBytes += payloads.back().size();
    }
    report("drain_payload_bytes_avg", double(payloadBytes) / messageCount, "bytes");

    // The per-message steps alone, on payloads in memory.
    const RecordLayout layout = RecordLayout::fashionMnist();
    if (!drainOnly) {
        QElapsedTimer timer;
        timer.start();
        QJsonObject record;
        QString error;
        for (const QByteArray &payload : payloads)
            codec->decode(payload, record, error);
        const double decodeSeconds = timer.nsecsElapsed() / 1e9;
        report("drain_step_json_decode", messageCount / decodeSeconds, "messages/s");

        codec->decode(payloads.front(), record, error);
        std::vector<float> features;
        features.reserve(layout.featureCount());
        std::int64_t label = 0;
        timer.restart();
        for (int n = 0; n < messageCount; ++n) {
            features.clear();
            (void)layout.toSample(record, features, label);
        }
        report("drain_step_record_to_sample", messageCount / (timer.nsecsElapsed() / 1e9),
               "messages/s");

        const JsonSampleReader reader(layout);
        features.resize(layout.featureCount());
        JsonSampleReader::Sample sample;
        timer.restart();
        for (const QByteArray &payload : payloads)
            (void)reader.read(payload, features, sample);
        report("drain_step_fast_json_reader", messageCount / (timer.nsecsElapsed() / 1e9),
               "messages/s");

        // What hashing a batch's features costs per sample.
        Sha256 hash;
        const QByteArrayView bytes(reinterpret_cast<const char *>(features.data()),
                                   qsizetype(features.size() * sizeof(float)));
        timer.restart();
        for (int n = 0; n < messageCount; ++n)
            hash.addData(bytes);
        (void)hash.hexResult();
        report("drain_step_sha256_features", messageCount / (timer.nsecsElapsed() / 1e9),
               "samples/s");
    }

    Result<std::shared_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(1);
    if (!broker)
        qFatal("%s", qPrintable(broker.errorMessage()));
    const QString topic = QStringLiteral("fashion-bench");
    if (Result<void> created = broker.value()->createTopic(topic, kPartitions); !created)
        qFatal("%s", qPrintable(created.errorMessage()));
    {
        Result<std::unique_ptr<MessageProducer>> producer =
            MessageProducer::create(broker.value()->endpoint());
        if (!producer)
            qFatal("%s", qPrintable(producer.errorMessage()));
        QElapsedTimer timer;
        timer.start();
        for (int n = 0; n < messageCount; ++n) {
            OutgoingMessage message;
            message.value = payloads[std::size_t(n)];
            message.partition = n % kPartitions;
            if (Result<void> sent = producer.value()->send(topic, message); !sent)
                qFatal("%s", qPrintable(sent.errorMessage()));
        }
        Result<ProduceSummary> flushed = producer.value()->flush(std::chrono::minutes(5));
        if (!flushed || flushed->failed > 0)
            qFatal("producing failed");
        report("drain_produce", messageCount / (timer.nsecsElapsed() / 1e9), "messages/s");
    }
    payloads.clear();

    // kcat: consume every partition from the beginning to its end, payloads to /dev/null.
    const QString kcat = QStandardPaths::findExecutable(QStringLiteral("kcat"));
    double kcatRate = 0;
    if (drainOnly) {
    } else if (kcat.isEmpty()) {
        std::printf("kcat not found: no yardstick\n");
    } else {
        QProcess process;
        process.setStandardOutputFile(QProcess::nullDevice());
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QElapsedTimer timer;
        timer.start();
        process.start(kcat, {QStringLiteral("-C"), QStringLiteral("-e"), QStringLiteral("-q"),
                             QStringLiteral("-b"), broker.value()->bootstrapServers(),
                             QStringLiteral("-t"), topic, QStringLiteral("-o"),
                             QStringLiteral("beginning")});
        process.waitForFinished(-1);
        const double seconds = timer.nsecsElapsed() / 1e9;
        kcatRate = messageCount / seconds;
        report("drain_kcat_raw", kcatRate, "messages/s");
    }

    QTemporaryDir workspace;
    BatchStore store = BatchStore::forWorkspace(workspace.path());
    DrainRequest request;
    request.endpoint = broker.value()->endpoint();
    request.topic = topic;
    request.groupId = QStringLiteral("bench");
    request.layout = layout;
    request.codec = codec;
    Result<DrainReport> drained = drainToBatch(request, store, CancellationToken());
    if (!drained)
        qFatal("%s", qPrintable(drained.errorMessage()));
    if (drained->samples != messageCount) {
        for (const PartitionRange &range : drained->partitions)
            std::fprintf(stderr, "partition %d: %lld..%lld samples %lld\n", range.offsets.partition,
                         qlonglong(range.offsets.firstOffset), qlonglong(range.offsets.lastOffset),
                         qlonglong(range.offsets.sampleCount));
        qFatal("drained %lld of %d (read %lld, stop %d)", qlonglong(drained->samples), messageCount,
               qlonglong(drained->messagesRead), int(drained->stop));
    }
    report("drain_to_batch_reading", drained->messagesPerSecond, "messages/s");
    report("drain_to_batch_total_incl_group_join",
           messageCount / (double(drained->elapsed.count()) / 1000.0), "messages/s");
    if (kcatRate > 0)
        report("drain_to_batch_vs_kcat", drained->messagesPerSecond / kcatRate, "x");
    return 0;
}

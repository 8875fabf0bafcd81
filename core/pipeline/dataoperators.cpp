#include "core/pipeline/dataoperators.h"

#include "core/ml/idx.h"
#include "core/pipeline/fashionsplit.h"
#include "core/plugins/pluginmanager.h"
#include "core/streams/batchstore.h"
#include "core/streams/clusterclient.h"
#include "core/streams/drainer.h"
#include "core/streams/holdout.h"
#include "core/streams/simulator.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/workspace.h"
#include "plugins/api/messagecodec.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>

#include <algorithm>

namespace millrace::pipeline {

namespace {

using plugins::TaskContext;
using plugins::TaskOutcome;

QString packageDirectory()
{
    return QString::fromStdString(ml::fashionMnistDefaultDirectory());
}

// A seed that differs between DAG runs and stays the same for the retries of one, so an hourly
// stream does not publish the same draw every hour and a retry publishes what the try before
// meant to. Kept below 2^53 so it survives JSON.
qint64 runSeed(const TaskContext &context)
{
    const QByteArray digest = QCryptographicHash::hash(
        (context.dagId() + QLatin1Char('/') + context.runId() + QLatin1Char('/') + context.taskId())
            .toUtf8(),
        QCryptographicHash::Sha256);
    quint64 seed = 0;
    for (int i = 0; i < 8; ++i)
        seed = (seed << 8) | quint8(digest.at(i));
    return qint64(seed & ((quint64(1) << 53) - 1));
}

// What a task waits for on the cluster: the new messages of `topic` for `group`.
struct Backlog
{
    bool topicExists = true;
    qint64 messages = 0;
    int partitions = 0;
};

// Counts the messages a drain by `group` would read now: per partition, from the furthest of
// the oldest offset kept, the group's committed offset and the last offset a batch of the
// group already holds, to the high watermark. Reading the count first lets a drain that would
// take too few messages leave them on the topic for the next run, rather than drain them
// into a batch nobody trains on.
Result<Backlog> countBacklog(const streams::ClusterEndpoint &endpoint, streams::BatchStore &store,
                             const QString &topic, const QString &group, TaskContext &context)
{
    Result<std::unique_ptr<streams::ClusterClient>> client =
        streams::ClusterClient::create(endpoint);
    if (!client)
        return client.error();
    Result<streams::TopicInfo> described = (*client)->describeTopic(topic);
    if (!described) {
        if (described.error().code == QLatin1String(streams::errorcode::kNotFound))
            return Backlog{false, 0, 0};
        return fail(QStringLiteral("cannot read topic '%1' on %2: %3")
                        .arg(topic, endpoint.label, described.errorMessage()));
    }
    std::map<std::int32_t, std::int64_t> committed;
    Result<std::vector<streams::GroupPartitionLag>> lag = (*client)->groupLag(group, {topic});
    if (lag) {
        for (const streams::GroupPartitionLag &partition : *lag) {
            if (partition.topic == topic && partition.committedOffset >= 0)
                committed[partition.partition] = partition.committedOffset;
        }
    } else {
        // The batches' own offsets still count; the drain skips what they hold either way.
        context.log(QStringLiteral("could not read the offsets of group '%1' (%2); counting "
                                   "from the batches")
                        .arg(group, lag.errorMessage()));
    }
    Result<std::map<std::int32_t, std::int64_t>> held = store.committedOffsets(group, topic);
    if (!held)
        return held.error();
    Backlog backlog;
    backlog.partitions = int(described->partitions.size());
    for (const streams::PartitionInfo &partition : described->partitions) {
        std::int64_t start = std::max<std::int64_t>(0, partition.lowWatermark);
        if (auto it = committed.find(partition.id); it != committed.end())
            start = std::max(start, it->second);
        if (auto it = held->find(partition.id); it != held->end())
            start = std::max(start, it->second + 1);
        backlog.messages += std::max<std::int64_t>(0, partition.highWatermark - start);
    }
    return backlog;
}

QString stopName(streams::DrainReport::Stop stop)
{
    switch (stop) {
    case streams::DrainReport::Stop::CaughtUp:
        return QStringLiteral("caught_up");
    case streams::DrainReport::Stop::MaxMessages:
        return QStringLiteral("max_messages");
    case streams::DrainReport::Stop::Cancelled:
        return QStringLiteral("cancelled");
    case streams::DrainReport::Stop::Idle:
        return QStringLiteral("idle");
    }
    return QString();
}

} // namespace

// prepare_data -----------------------------------------------------------------------------

QString PrepareDataOperator::summary() const
{
    return QStringLiteral("Checks the Fashion-MNIST files and prepares the train / test / "
                          "stream-holdout split in the workspace.");
}

QList<ParamSpec> PrepareDataOperator::params() const
{
    return {
        {QStringLiteral("source_dir"), QStringLiteral("string"),
         QStringLiteral("Folder of the four Fashion-MNIST IDX files (the dataset-fashion-mnist "
                        "package's)."),
         packageDirectory()},
        {QStringLiteral("rewrite"), QStringLiteral("boolean"),
         QStringLiteral("Write the split again even when the workspace has it already."), false},
    };
}

TaskOutcome PrepareDataOperator::execute(TaskContext &context, const TaskParams &params)
{
    CancellationRelay relay(context);
    const QString root = m_environment.workspace.root();
    QString lastStep;
    Result<PreparedSplit> prepared =
        prepareFashionMnistSplit(params.string(QStringLiteral("source_dir")), root,
                                 params.boolean(QStringLiteral("rewrite")), relay.token(),
                                 [&](double fraction, const QString &step) {
                                     context.setProgress(fraction);
                                     if (step != lastStep)
                                         context.log(step);
                                     lastStep = step;
                                 });
    if (!prepared)
        return failed(context, prepared.errorMessage());
    context.log(QStringLiteral("%1 training images, %2 test images, %3 held back for the stream "
                               "(seed %4) in %5%6")
                    .arg(prepared->train)
                    .arg(prepared->test)
                    .arg(prepared->holdout)
                    .arg(prepared->seed)
                    .arg(prepared->directory, prepared->reused
                                                  ? QStringLiteral(" (prepared earlier, kept)")
                                                  : QString()));
    return succeeded({{QStringLiteral("train"), prepared->train},
                      {QStringLiteral("test"), prepared->test},
                      {QStringLiteral("holdout"), prepared->holdout},
                      {QStringLiteral("seed"), qint64(prepared->seed)},
                      {QStringLiteral("directory"), prepared->directory},
                      {QStringLiteral("source_dir"), prepared->sourceDirectory},
                      {QStringLiteral("reused"), prepared->reused}});
}

// publish_samples --------------------------------------------------------------------------

QString PublishSamplesOperator::summary() const
{
    return QStringLiteral("Publishes Fashion-MNIST samples from the stream-holdout to a Kafka "
                          "topic as JSON records, as the seed's stream simulator does.");
}

QList<ParamSpec> PublishSamplesOperator::params() const
{
    ParamSpec count{QStringLiteral("count"), QStringLiteral("integer"),
                    QStringLiteral("Records to publish."), 500};
    count.minimum = 1;
    count.maximum = 10000000;
    ParamSpec rate{QStringLiteral("rate"), QStringLiteral("number"),
                   QStringLiteral("Records per second; 0 publishes as fast as the cluster takes "
                                  "them."),
                   0};
    rate.minimum = 0;
    ParamSpec seed{QStringLiteral("seed"), QStringLiteral("integer"),
                   QStringLiteral("Seeds the random draw of samples. Default: one per DAG run, "
                                  "so runs publish different samples and retries the same.")};
    seed.minimum = 0;
    ParamSpec partitions{QStringLiteral("partitions"), QStringLiteral("integer"),
                         QStringLiteral("Partitions of the topic when it has to be created."), 1};
    partitions.minimum = 1;
    partitions.maximum = 1000;
    return {
        {QStringLiteral("topic"), QStringLiteral("string"), QStringLiteral("Topic to publish to."),
         QStringLiteral("fashion-stream")},
        count,
        rate,
        seed,
        partitions,
        {QStringLiteral("source_dir"), QStringLiteral("string"),
         QStringLiteral("Folder of the Fashion-MNIST files whose stream-holdout is published."),
         packageDirectory()},
    };
}

Result<std::shared_ptr<const ml::Dataset>> PublishSamplesOperator::holdout(const QString &directory)
{
    const std::lock_guard lock(m_holdoutMutex);
    if (m_holdout && m_holdoutDirectory == directory)
        return m_holdout;
    Result<std::shared_ptr<const ml::Dataset>> loaded = streams::loadFashionMnistHoldout(directory);
    if (!loaded)
        return loaded;
    m_holdout = *loaded;
    m_holdoutDirectory = directory;
    return loaded;
}

TaskOutcome PublishSamplesOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString topic = params.string(QStringLiteral("topic"));
    if (topic.isEmpty())
        return failed(context, QStringLiteral("param \"topic\" is empty"));
    const qint64 count = params.integer(QStringLiteral("count"));
    const double rate = params.number(QStringLiteral("rate"));
    const qint64 seed = params.given(QStringLiteral("seed"))
                            ? params.integer(QStringLiteral("seed"))
                            : runSeed(context);
    Result<streams::ClusterEndpoint> endpoint = m_environment.endpoint();
    if (!endpoint)
        return failed(context, endpoint.errorMessage());
    context.log(
        QStringLiteral("cluster: %1 (%2)").arg(endpoint->label, endpoint->bootstrapServers()));

    // The topic first: on a real cluster without automatic topic creation, producing to a
    // missing topic fails only after the delivery timeout.
    Result<std::unique_ptr<streams::ClusterClient>> client =
        streams::ClusterClient::create(*endpoint);
    if (!client)
        return failed(context, client.errorMessage());
    Result<streams::TopicInfo> described = (*client)->describeTopic(topic);
    if (described) {
        context.log(QStringLiteral("topic %1 has %2 partitions and %3 messages")
                        .arg(topic)
                        .arg(described->partitions.size())
                        .arg(described->messageCount()));
    } else if (described.error().code != QLatin1String(streams::errorcode::kNotFound)) {
        return failed(context, QStringLiteral("cannot read topic '%1' on %2: %3")
                                   .arg(topic, endpoint->label, described.errorMessage()));
    } else if (endpoint->remoteEmbedded) {
        // The app's embedded broker cannot be asked to create topics from outside the app; it
        // creates one on the first message.
        context.log(QStringLiteral("topic %1 does not exist; the embedded broker creates it with "
                                   "the first record")
                        .arg(topic));
    } else {
        streams::TopicSpec spec;
        spec.name = topic;
        spec.partitions = int(params.integer(QStringLiteral("partitions")));
        Result<void> created = (*client)->createTopic(spec);
        if (!created && created.error().code != QLatin1String(streams::errorcode::kAlreadyExists))
            return failed(context, QStringLiteral("cannot create topic '%1' on %2: %3")
                                       .arg(topic, endpoint->label, created.errorMessage()));
        context.log(
            QStringLiteral("created topic %1 with %2 partitions").arg(topic).arg(spec.partitions));
    }
    client->reset();

    const QString source = params.string(QStringLiteral("source_dir"));
    Result<std::shared_ptr<const ml::Dataset>> samples = holdout(source);
    if (!samples)
        return failed(
            context,
            QStringLiteral("cannot read the stream-holdout: %1").arg(samples.errorMessage()));
    context.log(QStringLiteral("publishing %1 of %2 holdout samples (seed %3) to %4 at %5")
                    .arg(count)
                    .arg((*samples)->size())
                    .arg(seed)
                    .arg(topic, rate > 0 ? QStringLiteral("%1 records/s").arg(rate)
                                         : QStringLiteral("full speed")));

    streams::SimulatorRequest request;
    request.topic = topic;
    request.source = streams::fashionMnistSource(*samples);
    // The simulator paces by rate; one far above what any cluster takes means no pacing.
    request.rate = rate > 0 ? rate : 1e12;
    request.count = count;
    request.seed = std::uint64_t(seed);
    CancellationRelay relay(context);
    ProgressThrottle progress(context);
    QElapsedTimer clock;
    clock.start();
    Result<streams::SimulatorStatus> status = streams::runSimulator(
        *endpoint, request, relay.token(), [&](const streams::SimulatorStatus &now) {
            progress.report(double(now.sent) / double(count));
        });
    if (!status)
        return failed(
            context,
            QStringLiteral("publishing to '%1' failed: %2").arg(topic, status.errorMessage()));
    const double seconds = clock.elapsed() / 1000.0;
    if (status->delivered < status->sent || status->failed > 0)
        return failed(
            context,
            QStringLiteral("%1 of %2 records reached '%3' (%4 failed%5); the "
                           "delivered ones stay on the topic")
                .arg(status->delivered)
                .arg(status->sent)
                .arg(topic)
                .arg(status->failed)
                .arg(status->error.isEmpty() ? QString() : QStringLiteral(": ") + status->error));
    if (relay.isCancelled() || status->sent < count)
        return failed(context, QStringLiteral("cancelled after publishing %1 of %2 records to '%3'")
                                   .arg(status->sent)
                                   .arg(count)
                                   .arg(topic));
    context.setProgress(1.0);
    context.log(QStringLiteral("published %1 records to %2 in %3 s")
                    .arg(status->delivered)
                    .arg(topic)
                    .arg(seconds, 0, 'f', 1));
    return succeeded({{QStringLiteral("topic"), topic},
                      {QStringLiteral("published"), qint64(status->delivered)},
                      {QStringLiteral("seed"), seed},
                      {QStringLiteral("seconds"), seconds},
                      {QStringLiteral("rate"), status->rate}});
}

// drain_topic ------------------------------------------------------------------------------

QString DrainTopicOperator::summary() const
{
    return QStringLiteral("Drains the new messages of a Kafka topic into a training batch of "
                          "the workspace, exactly once per consumer group.");
}

QList<ParamSpec> DrainTopicOperator::params() const
{
    ParamSpec maxMessages{QStringLiteral("max_messages"), QStringLiteral("integer"),
                          QStringLiteral("Stop after this many messages; 0 drains all new "
                                         "ones."),
                          0};
    maxMessages.minimum = 0;
    ParamSpec minMessages{QStringLiteral("min_messages"), QStringLiteral("integer"),
                          QStringLiteral("Skip the task, leaving the messages on the topic, when "
                                         "fewer new ones are waiting."),
                          1};
    minMessages.minimum = 0;
    return {
        {QStringLiteral("topic"), QStringLiteral("string"), QStringLiteral("Topic to drain."),
         QStringLiteral("fashion-stream")},
        {QStringLiteral("group"), QStringLiteral("string"),
         QStringLiteral("Consumer group whose offsets say where the drain starts."),
         QStringLiteral("millrace-pipeline")},
        maxMessages,
        minMessages,
        {QStringLiteral("codec"), QStringLiteral("string"),
         QStringLiteral("Message codec plugin that decodes the payloads."),
         QStringLiteral("json-codec")},
        {QStringLiteral("layout"), QStringLiteral("object"),
         QStringLiteral("How a record becomes a sample (fields, shape, classes, scale), as in a "
                        "batch manifest. Default: the Fashion-MNIST layout the stream "
                        "publishes.")},
        {QStringLiteral("dead_letter_topic"), QStringLiteral("string"),
         QStringLiteral("Topic that also receives every message that is not a sample; empty "
                        "for none."),
         QString()},
    };
}

TaskOutcome DrainTopicOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString topic = params.string(QStringLiteral("topic"));
    const QString group = params.string(QStringLiteral("group"));
    if (topic.isEmpty() || group.isEmpty())
        return failed(context, QStringLiteral("params \"topic\" and \"group\" must not be empty"));
    const QString codecId = params.string(QStringLiteral("codec"));
    const plugins::MessageCodec *codec = m_environment.plugins.find<plugins::MessageCodec>(codecId);
    if (!codec)
        return failed(context,
                      QStringLiteral("no message codec plugin '%1' is loaded").arg(codecId));
    streams::RecordLayout layout = streams::RecordLayout::fashionMnist();
    if (params.has(QStringLiteral("layout"))) {
        Result<streams::RecordLayout> read =
            streams::RecordLayout::fromJson(params.object(QStringLiteral("layout")));
        if (!read)
            return failed(context, QStringLiteral("param \"layout\": %1").arg(read.errorMessage()));
        layout = *read;
    }
    Result<streams::ClusterEndpoint> endpoint = m_environment.endpoint();
    if (!endpoint)
        return failed(context, endpoint.errorMessage());
    context.log(
        QStringLiteral("cluster: %1 (%2)").arg(endpoint->label, endpoint->bootstrapServers()));

    streams::BatchStore store = streams::BatchStore::forWorkspace(m_environment.workspace.root());
    if (Result<void> opened = store.open(); !opened)
        return failed(context, opened.errorMessage());

    Result<Backlog> backlog = countBacklog(*endpoint, store, topic, group, context);
    if (!backlog)
        return failed(context, backlog.errorMessage());
    const qint64 minMessages = params.integer(QStringLiteral("min_messages"));
    QJsonObject nothing{{QStringLiteral("topic"), topic},
                        {QStringLiteral("group"), group},
                        {QStringLiteral("messages"), backlog->messages}};
    if (!backlog->topicExists)
        return skipped(context,
                       QStringLiteral("topic '%1' does not exist on %2 yet: no messages to drain")
                           .arg(topic, endpoint->label),
                       nothing);
    context.log(QStringLiteral("%1 new messages on %2 (%3 partitions) for group %4")
                    .arg(backlog->messages)
                    .arg(topic)
                    .arg(backlog->partitions)
                    .arg(group));
    if (backlog->messages == 0 || backlog->messages < minMessages)
        return skipped(context,
                       QStringLiteral("only %1 new messages on '%2' for group '%3' (min_messages "
                                      "is %4); they stay on the topic for the next run")
                           .arg(backlog->messages)
                           .arg(topic, group)
                           .arg(minMessages),
                       nothing);

    streams::DrainRequest request;
    request.endpoint = *endpoint;
    request.topic = topic;
    request.groupId = group;
    request.layout = layout;
    request.codec = codec;
    request.maxMessages = params.integer(QStringLiteral("max_messages"));
    request.deadLetterTopic = params.string(QStringLiteral("dead_letter_topic"));
    const qint64 expected = request.maxMessages > 0
                                ? std::min<qint64>(request.maxMessages, backlog->messages)
                                : backlog->messages;
    CancellationRelay relay(context);
    ProgressThrottle progress(context);
    Result<streams::DrainReport> report = streams::drainToBatch(
        request, store, relay.token(), [&](const streams::DrainProgress &now) {
            progress.report(0.95 * double(now.samples + now.deadLetters)
                            / double(std::max<qint64>(1, expected)));
        });
    if (!report)
        return failed(context,
                      QStringLiteral("draining '%1' failed: %2").arg(topic, report.errorMessage()));
    for (const QString &warning : std::as_const(report->warnings))
        context.log(QStringLiteral("warning: ") + warning);
    if (report->batchId.isEmpty()) {
        if (relay.isCancelled())
            return failed(context, QStringLiteral("cancelled before any message was read"));
        return skipped(
            context,
            QStringLiteral("no new messages on '%1' for group '%2'%3")
                .arg(topic, group,
                     report->duplicates > 0
                         ? QStringLiteral(" (%1 already in batches)").arg(report->duplicates)
                         : QString()),
            nothing);
    }

    QJsonArray partitions;
    for (const streams::PartitionRange &range : report->partitions) {
        partitions.append(
            QJsonObject{{QStringLiteral("partition"), range.offsets.partition},
                        {QStringLiteral("first_offset"), qint64(range.offsets.firstOffset)},
                        {QStringLiteral("last_offset"), qint64(range.offsets.lastOffset)},
                        {QStringLiteral("samples"), qint64(range.offsets.sampleCount)},
                        {QStringLiteral("dead_letters"), qint64(range.deadLetterCount)}});
        context.log(QStringLiteral("partition %1: offsets %2 to %3, %4 samples, %5 dead letters")
                        .arg(range.offsets.partition)
                        .arg(range.offsets.firstOffset)
                        .arg(range.offsets.lastOffset)
                        .arg(range.offsets.sampleCount)
                        .arg(range.deadLetterCount));
    }
    context.log(QStringLiteral("batch %1: %2 samples, %3 dead letters, %4 duplicates skipped")
                    .arg(report->batchId)
                    .arg(report->samples)
                    .arg(report->deadLetters)
                    .arg(report->duplicates));
    if (!report->offsetsCommitted)
        context.log(QStringLiteral("warning: the offsets were not committed (%1); the batch is "
                                   "safe and the next drain skips what it holds")
                        .arg(report->commitError));
    // What was read before a cancellation is in the batch and committed (good data), but the
    // run asked to stop: the task says so rather than handing a partial batch downstream.
    if (report->stop == streams::DrainReport::Stop::Cancelled)
        return failed(context, QStringLiteral("cancelled; the %1 messages read are kept in batch "
                                              "%2")
                                   .arg(report->samples + report->deadLetters)
                                   .arg(report->batchId));
    context.setProgress(1.0);
    return succeeded({{QStringLiteral("batch_id"), report->batchId},
                      {QStringLiteral("topic"), topic},
                      {QStringLiteral("group"), group},
                      {QStringLiteral("messages"), qint64(report->samples + report->deadLetters)},
                      {QStringLiteral("samples"), qint64(report->samples)},
                      {QStringLiteral("dead_letters"), qint64(report->deadLetters)},
                      {QStringLiteral("duplicates"), qint64(report->duplicates)},
                      {QStringLiteral("partitions"), partitions},
                      {QStringLiteral("offsets_committed"), report->offsetsCommitted},
                      {QStringLiteral("stop"), stopName(report->stop)},
                      {QStringLiteral("path"), report->batch.path}});
}

// archive_batch ----------------------------------------------------------------------------

QString ArchiveBatchOperator::summary() const
{
    return QStringLiteral("Marks a drained batch as used by the run that trained on it, moving "
                          "it from data/incoming to data/used.");
}

QList<ParamSpec> ArchiveBatchOperator::params() const
{
    return {
        {QStringLiteral("batch_id"), QStringLiteral("string"),
         QStringLiteral("The batch. Default: the batch_id of the update_task's result.")},
        {QStringLiteral("run_id"), QStringLiteral("string"),
         QStringLiteral("The tracking run that used the batch. Default: the run_id of the "
                        "update_task's result.")},
        {QStringLiteral("update_task"), QStringLiteral("string"),
         QStringLiteral("Upstream update_model task whose result names the batch and the run."),
         QStringLiteral("update")},
    };
}

TaskOutcome ArchiveBatchOperator::execute(TaskContext &context, const TaskParams &params)
{
    const QString updateTask = params.string(QStringLiteral("update_task"));
    const QString batchId =
        params.has(QStringLiteral("batch_id"))
            ? params.string(QStringLiteral("batch_id"))
            : upstreamField(context, updateTask, QStringLiteral("batch_id")).toString();
    if (batchId.isEmpty())
        return skipped(context, QStringLiteral("no batch to archive: neither param \"batch_id\" "
                                               "nor a result of task '%1' names one")
                                    .arg(updateTask));
    const QString runId =
        params.has(QStringLiteral("run_id"))
            ? params.string(QStringLiteral("run_id"))
            : upstreamField(context, updateTask, QStringLiteral("run_id")).toString();
    if (runId.isEmpty())
        return failed(context, QStringLiteral("which run used batch %1? Give param \"run_id\" or "
                                              "run after an update_model task '%2'")
                                   .arg(batchId, updateTask));
    if (Result<tracking::Run> run = m_environment.tracking.run(runId); !run)
        return failed(context, QStringLiteral("batch %1 cannot be marked used by run %2: %3")
                                   .arg(batchId, runId, run.errorMessage()));

    streams::BatchStore store = streams::BatchStore::forWorkspace(m_environment.workspace.root());
    Result<streams::BatchManifest> manifest = store.manifest(batchId);
    if (!manifest)
        return failed(context, manifest.errorMessage());
    const QString usedPath = QDir(store.usedDir()).filePath(batchId);
    QJsonObject result{{QStringLiteral("batch_id"), batchId},
                       {QStringLiteral("run_id"), runId},
                       {QStringLiteral("path"), usedPath}};
    if (manifest->isUsed()) {
        // A retry after a try that moved the batch but did not report back.
        if (manifest->usedByRun == runId) {
            context.log(QStringLiteral("batch %1 is already archived as used by run %2")
                            .arg(batchId, runId));
            return succeeded(result);
        }
        return failed(context, QStringLiteral("batch %1 was already used by run %2")
                                   .arg(batchId, manifest->usedByRun));
    }
    if (Result<void> moved = store.markUsed(batchId, runId); !moved)
        return failed(context, moved.errorMessage());
    context.log(QStringLiteral("batch %1 (%2 samples from %3) moved to %4, used by run %5")
                    .arg(batchId)
                    .arg(manifest->sampleCount)
                    .arg(manifest->source.topic, usedPath, runId));
    context.setProgress(1.0);
    return succeeded(result);
}

} // namespace millrace::pipeline

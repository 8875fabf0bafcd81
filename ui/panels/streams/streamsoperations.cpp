#include "ui/panels/streams/streamsoperations.h"

#include <QElapsedTimer>
#include <QFile>

namespace millrace::ui {

namespace {

// One-shot actions wait a little longer than the service's refreshes: a user who asked for
// something would rather wait than be told it timed out.
constexpr std::chrono::seconds kActionTimeout{10};
// A connection test answers within a few seconds either way: librdkafka waits out the whole
// timeout when nothing answers, and users are waiting for the verdict.
constexpr std::chrono::seconds kCheckTimeout{5};

} // namespace

Result<void> createTopicOn(const streams::ClusterEndpoint &endpoint, const streams::TopicSpec &spec)
{
    Result<std::unique_ptr<streams::ClusterClient>> client =
        streams::ClusterClient::create(endpoint);
    if (!client)
        return client.error();
    return client.value()->createTopic(spec, kActionTimeout);
}

Result<void> deleteTopicOn(const streams::ClusterEndpoint &endpoint, const QString &topic)
{
    Result<std::unique_ptr<streams::ClusterClient>> client =
        streams::ClusterClient::create(endpoint);
    if (!client)
        return client.error();
    return client.value()->deleteTopic(topic, kActionTimeout);
}

streams::ConnectionCheck checkEndpoint(const streams::ClusterEndpoint &endpoint)
{
    Result<std::unique_ptr<streams::ClusterClient>> client =
        streams::ClusterClient::create(endpoint);
    if (!client) {
        streams::ConnectionCheck check;
        check.failure = streams::ConnectionCheck::Failure::Other;
        check.message = client.errorMessage();
        return check;
    }
    return client.value()->check(kCheckTimeout);
}

std::vector<QByteArray> splitMessages(const QByteArray &content, bool onePerLine)
{
    if (!onePerLine)
        return {content};
    std::vector<QByteArray> values;
    for (QByteArray line : content.split('\n')) {
        if (line.endsWith('\r'))
            line.chop(1);
        if (!line.trimmed().isEmpty())
            values.push_back(line);
    }
    return values;
}

Result<ProduceOutcome> produceMessages(const streams::ClusterEndpoint &endpoint,
                                       const ProduceRequest &request,
                                       const CancellationToken &cancel,
                                       const std::function<void(qint64, qint64)> &progress)
{
    if (request.topic.isEmpty())
        return fail(QStringLiteral("choose a topic to send to"));
    std::vector<QByteArray> values = request.values;
    if (!request.valueFile.isEmpty()) {
        QFile file(request.valueFile);
        if (!file.open(QIODevice::ReadOnly))
            return fail(
                QStringLiteral("cannot read %1: %2").arg(request.valueFile, file.errorString()));
        values = splitMessages(file.readAll(), request.onePerLine);
    }
    if (values.empty())
        return fail(QStringLiteral("there is no message to send"));

    Result<std::unique_ptr<streams::MessageProducer>> created =
        streams::MessageProducer::create(endpoint);
    if (!created)
        return created.error();
    streams::MessageProducer &producer = *created.value();

    ProduceOutcome outcome;
    producer.setDeliveryCallback([&outcome](const streams::DeliveryReport &report) {
        if (outcome.reports.size() < ProduceOutcome::kKeptReports)
            outcome.reports.push_back(report);
        if (report.error.isEmpty()) {
            auto [range, added] =
                outcome.offsets.try_emplace(report.partition, report.offset, report.offset);
            if (!added) {
                range->second.first = std::min(range->second.first, report.offset);
                range->second.second = std::max(range->second.second, report.offset);
            }
        }
    });
    QElapsedTimer clock;
    clock.start();
    const qint64 total = qint64(values.size()) * std::max(1, request.count);
    qint64 lastReport = -1;
    for (int round = 0; round < std::max(1, request.count) && !outcome.cancelled; ++round) {
        for (const QByteArray &value : values) {
            if (cancel.isCancelled()) {
                outcome.cancelled = true;
                break;
            }
            streams::OutgoingMessage message;
            message.key = request.key;
            message.value = value;
            message.partition = request.partition;
            message.headers = request.headers;
            if (Result<void> sent = producer.send(request.topic, message); !sent)
                return sent.error();
            ++outcome.queued;
            if (progress && clock.elapsed() - lastReport >= 100) {
                lastReport = clock.elapsed();
                producer.poll();
                progress(outcome.queued, total);
            }
        }
    }
    Result<streams::ProduceSummary> flushed = producer.flush(kActionTimeout);
    if (!flushed)
        return flushed.error();
    outcome.summary = flushed.value();
    outcome.elapsedMs = clock.elapsed();
    if (progress)
        progress(outcome.queued, total);
    return outcome;
}

} // namespace millrace::ui

#include "core/streams/simulator.h"

#include "core/ml/split.h"
#include "core/streams/producer.h"
#include "core/streams/streamslog.h"

#include <QElapsedTimer>
#include <QThread>

#include <cmath>

namespace millrace::streams {

namespace {

void appendJsonString(QByteArray &out, const QString &text)
{
    // Field names and ids are plain ASCII here; escaping quotes and backslashes keeps it valid
    // should a user choose otherwise.
    out += '"';
    for (const QChar c : text) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += '\\';
        out += QString(c).toUtf8();
    }
    out += '"';
}

} // namespace

QByteArray simulatorRecord(const SimulatorSource &source, std::size_t index, std::int64_t sequence)
{
    const ml::Dataset &samples = *source.samples;
    const std::size_t width = samples.featureCount();
    const float *features = samples.features.data() + index * width;
    // Written by hand rather than through QJsonDocument: a 784-value array as QJsonArray costs
    // more than the rest of producing, and the simulator should not be what limits the rate.
    QByteArray record;
    record.reserve(qsizetype(width * 4 + 64));
    record += '{';
    appendJsonString(record, source.idField);
    record += ':';
    appendJsonString(record,
                     QStringLiteral("%1-%2-%3").arg(source.idPrefix).arg(index).arg(sequence));
    record += ',';
    appendJsonString(record, source.featuresField);
    record += ":[";
    for (std::size_t i = 0; i < width; ++i) {
        if (i)
            record += ',';
        const double value = double(features[i]) * source.scale;
        const double rounded = std::round(value);
        if (std::abs(value - rounded) < 1e-4)
            record += QByteArray::number(static_cast<qint64>(rounded));
        else
            record += QByteArray::number(value, 'g', 7);
    }
    record += "],";
    appendJsonString(record, source.labelField);
    record += ':';
    if (samples.task == ml::TaskKind::Classification && !samples.classLabels.empty())
        record += QByteArray::number(static_cast<qint64>(samples.classLabels[index]));
    else if (!samples.targets.empty())
        record += QByteArray::number(double(samples.targets[index]), 'g', 9);
    else
        record += "null";
    record += '}';
    return record;
}

Result<SimulatorStatus> runSimulator(const ClusterEndpoint &endpoint,
                                     const SimulatorRequest &request,
                                     const CancellationToken &cancel,
                                     const std::function<void(const SimulatorStatus &)> &progress)
{
    if (!request.source.samples || request.source.samples->size() == 0)
        return fail(QStringLiteral("the stream simulator has no samples to publish"));
    if (!(request.rate > 0))
        return fail(QStringLiteral("the simulator's rate must be above 0 messages per second"));
    if (request.topic.isEmpty())
        return fail(QStringLiteral("the simulator needs a topic"));
    Result<std::unique_ptr<MessageProducer>> created = MessageProducer::create(endpoint);
    if (!created)
        return created.error();
    MessageProducer &producer = *created.value();

    SimulatorStatus status;
    status.running = true;
    ml::SplitMix64 draw(request.seed);
    const std::size_t sampleCount = request.source.samples->size();
    QElapsedTimer clock;
    clock.start();
    qint64 lastReport = 0;
    auto report = [&] {
        const ProduceSummary &summary = producer.summary();
        status.delivered = summary.delivered;
        status.failed = summary.failed;
        if (!summary.firstError.isEmpty())
            status.error = summary.firstError;
        status.rate = clock.elapsed() > 0 ? double(status.sent) * 1000.0 / clock.elapsed() : 0;
        if (progress)
            progress(status);
    };
    qCInfo(lcStreams) << "simulator publishing to" << request.topic << "at" << request.rate
                      << "messages/s";
    while (!cancel.isCancelled() && (request.count == 0 || status.sent < request.count)) {
        // Pace against the start rather than sleeping a fixed gap per message, so the rate holds
        // at high rates too (where one message takes less than a millisecond).
        const double due = double(status.sent) * 1000.0 / request.rate;
        const qint64 wait = qint64(due) - clock.elapsed();
        if (wait > 0) {
            producer.poll();
            QThread::msleep(static_cast<unsigned long>(std::min<qint64>(wait, 50)));
            if (clock.elapsed() - lastReport >= 250) {
                lastReport = clock.elapsed();
                report();
            }
            continue;
        }
        const std::size_t index = draw.nextBelow(sampleCount);
        OutgoingMessage message;
        message.value = simulatorRecord(request.source, index, status.sent);
        if (Result<void> sent = producer.send(request.topic, message); !sent) {
            status.error = sent.errorMessage();
            status.running = false;
            report();
            return sent.error();
        }
        ++status.sent;
        if (clock.elapsed() - lastReport >= 250) {
            lastReport = clock.elapsed();
            producer.poll();
            report();
        }
    }
    Result<ProduceSummary> flushed = producer.flush(std::chrono::seconds(30));
    status.running = false;
    if (!flushed)
        status.error = flushed.errorMessage();
    report();
    qCInfo(lcStreams) << "simulator stopped after" << status.sent << "messages";
    return status;
}

} // namespace millrace::streams

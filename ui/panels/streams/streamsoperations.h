#pragma once

#include "core/base/cancellation.h"
#include "core/base/result.h"
#include "core/streams/clusterclient.h"
#include "core/streams/producer.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>

#include <functional>
#include <map>
#include <optional>
#include <vector>

// The Streams panel's one-shot actions as plain functions on a copied endpoint: the panel runs
// them in Jobs, never on the GUI thread, and each blocks for at most its timeouts.

namespace millrace::ui {

/// Where the panel's actions get the cluster they act on: the streams service's endpoint of
/// the moment (thread-safe to ask), none while it is not connected.
using EndpointSource = std::function<std::optional<streams::ClusterEndpoint>()>;

/// Creates a topic (on the embedded broker through its own API).
Result<void> createTopicOn(const streams::ClusterEndpoint &endpoint,
                           const streams::TopicSpec &spec);
/// Deletes a topic and its messages.
Result<void> deleteTopicOn(const streams::ClusterEndpoint &endpoint, const QString &topic);
/// Connects to `endpoint` and says what failed, if anything: the address, authentication or TLS.
streams::ConnectionCheck checkEndpoint(const streams::ClusterEndpoint &endpoint);

/// What the produce dialog sends.
struct ProduceRequest
{
    QString topic;
    QByteArray key;
    /// The messages' values; several when a file is read one message per line.
    std::vector<QByteArray> values;
    /// A file to read the values from instead (read by the job, not the GUI).
    QString valueFile;
    /// With valueFile: one message per non-empty line, else the whole file as one message.
    bool onePerLine = true;
    /// A partition, or -1 for the producer's choice.
    std::int32_t partition = -1;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
    /// How many times the values are sent.
    int count = 1;
};

/// How a produce went: the delivery summary, where the messages went (per partition, the lowest
/// and highest offset written) and the first reports.
struct ProduceOutcome
{
    streams::ProduceSummary summary;
    std::int64_t queued = 0;
    /// Partition -> (first offset, last offset) of the delivered messages.
    std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> offsets;
    /// The first reports (at most kKeptReports).
    std::vector<streams::DeliveryReport> reports;
    bool cancelled = false;
    qint64 elapsedMs = 0;

    static constexpr std::size_t kKeptReports = 200;
};

/// The values in `content`: one per non-empty line (a trailing '\r' dropped), or the whole.
std::vector<QByteArray> splitMessages(const QByteArray &content, bool onePerLine);

/// Sends `request` and waits for the delivery reports; stops queuing when `cancel` is set.
/// `progress(done, total)` is called on the calling thread now and then.
Result<ProduceOutcome> produceMessages(const streams::ClusterEndpoint &endpoint,
                                       const ProduceRequest &request,
                                       const CancellationToken &cancel,
                                       const std::function<void(qint64, qint64)> &progress);

} // namespace millrace::ui

Q_DECLARE_METATYPE(millrace::ui::ProduceOutcome)
Q_DECLARE_METATYPE(millrace::streams::ConnectionCheck)

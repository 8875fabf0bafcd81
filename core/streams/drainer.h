#pragma once

#include "core/base/cancellation.h"
#include "core/base/result.h"
#include "core/streams/batchstore.h"
#include "core/streams/endpoint.h"
#include "core/streams/recordlayout.h"

#include <QString>
#include <QStringList>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace millrace::plugins {
class MessageCodec;
}

namespace millrace::streams {

/// What to drain from where, and how messages become samples.
struct DrainRequest
{
    ClusterEndpoint endpoint;
    QString topic;
    /// The consumer group whose committed offsets say where the drain starts; batches remember
    /// it, so the same group never drains an offset into two batches.
    QString groupId;
    RecordLayout layout;
    /// Decodes payloads into records; must outlive the drain.
    const plugins::MessageCodec *codec = nullptr;
    /// Stop after this many messages went into the batch (samples and dead letters); 0 reads
    /// until caught up.
    std::int64_t maxMessages = 0;
    /// How long to wait for the group to assign partitions before failing. After a crash the
    /// broker keeps the dead consumer's partitions until its session times out (10 s) and only
    /// then hands them to the next drain; a busy group may take longer to settle.
    std::chrono::milliseconds joinTimeout{60000};
    /// Once partitions are assigned, stop when nothing (no message, no end of partition)
    /// arrives for this long; the drain then ends as DrainReport::Stop::Idle.
    std::chrono::milliseconds idleTimeout{15000};
    /// Optional topic that also receives every bad message, with the reason in the
    /// "millrace.deadletter.reason" header and where it came from in "millrace.source.*".
    QString deadLetterTopic;
    /// How often the progress callback runs: after this much time or this many messages,
    /// whichever comes first.
    std::chrono::milliseconds progressInterval{100};
    std::int64_t progressEveryMessages = 10000;
    /// Commit the offsets to the consumer group once the batch is written. Off only in tests
    /// that simulate a crash between the two, which the batch store's offsets then cover.
    bool commitOffsets = true;
    /// Called after the batch is durable and before the offsets are committed; tests use it to
    /// stop a drain at the one moment a crash costs a redelivery.
    std::function<void(const BatchManifest &)> beforeCommit;
};

/// Where a drain is, for a progress bar and a rate.
struct DrainProgress
{
    /// Messages read, duplicates included.
    std::int64_t messagesRead = 0;
    std::int64_t samples = 0;
    std::int64_t deadLetters = 0;
    /// Messages skipped as already taken: at or below BatchStore::committedOffsets(), or
    /// brought again by a rebalance within this drain.
    std::int64_t duplicates = 0;
    /// Payload bytes read.
    std::int64_t bytesRead = 0;
    /// Messages still to read to reach the high watermarks seen at the start, over the
    /// assigned partitions; -1 before any is known.
    std::int64_t remaining = -1;
    int assignedPartitions = 0;
    int caughtUpPartitions = 0;
    std::chrono::milliseconds elapsed{0};
};

/// What a drain did.
struct DrainReport
{
    enum class Stop {
        /// Every assigned partition reached the high watermark seen at the start.
        CaughtUp,
        /// DrainRequest::maxMessages were read.
        MaxMessages,
        /// The token was cancelled; what was read is in the batch and committed.
        Cancelled,
        /// Nothing arrived for DrainRequest::idleTimeout after the partitions were assigned.
        Idle,
    };

    /// The batch written, or empty when there was nothing new (no batch is written then).
    QString batchId;
    /// Its manifest, when there is a batch.
    BatchManifest batch;
    std::int64_t samples = 0;
    std::int64_t deadLetters = 0;
    std::int64_t duplicates = 0;
    /// Messages read, duplicates included.
    std::int64_t messagesRead = 0;
    std::int64_t bytesRead = 0;
    /// Samples read straight from JSON payloads by JsonSampleReader; the others went through
    /// the codec. A drain of well-formed JSON samples reads nearly all of them directly.
    std::int64_t fastPathSamples = 0;
    /// Per topic partition, the offsets in the batch.
    std::vector<PartitionRange> partitions;
    /// Per partition, the offset committed to the consumer group (the next one to read);
    /// only partitions the drain still owned at the end, none when nothing was committed.
    std::map<std::int32_t, std::int64_t> committedOffsets;
    Stop stop = Stop::CaughtUp;
    /// Whether the offsets were committed; when not, commitError says why. The batch is safe
    /// either way: the next drain skips what it holds.
    bool offsetsCommitted = false;
    QString commitError;
    /// Things the user should know that did not stop the drain, e.g. offsets between the last
    /// batch and this one that no batch holds (deleted by retention before they were drained).
    QStringList warnings;
    /// Time from the start of the call to its end (joining the group included).
    std::chrono::milliseconds elapsed{0};
    /// Messages read per second, from the first message to the last.
    double messagesPerSecond = 0;
};

/// Drains `request.topic` into one new batch of `store`, at least once and without
/// duplicates: joins the consumer group (no automatic commits), reads until every assigned
/// partition reaches the high watermark seen at the start (or maxMessages, or cancellation,
/// or idleness), skips messages an earlier batch of the same group already holds,
/// decodes the rest with the codec and the layout, keeps bad messages as dead letters (in the
/// batch's deadletter.jsonl and, if set, the dead-letter topic), writes the batch durably and
/// only then commits the offsets. A crash before the batch is renamed into place loses nothing
/// (the messages are read again); a crash between the rename and the commit is undone by the
/// duplicate check. Nothing new means no batch. Cancellation stops reading promptly, and what
/// was read is still written and committed: it is good data. With a codec of content type
/// "application/json", JsonSampleReader reads the payloads it is sure of without the codec.
/// Blocks until done: call it from a worker thread. `progress` runs on that thread.
Result<DrainReport> drainToBatch(const DrainRequest &request, BatchStore &store,
                                 const CancellationToken &cancellation,
                                 const std::function<void(const DrainProgress &)> &progress = {});

} // namespace millrace::streams

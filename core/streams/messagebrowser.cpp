#include "core/streams/messagebrowser.h"

#include "core/streams/kafkahandles.h"
#include "core/streams/streamslog.h"

#include <QElapsedTimer>
#include <QScopeGuard>

#include <algorithm>
#include <array>
#include <deque>
#include <map>

namespace millrace::streams {

namespace {

// A lane's first read in a page asks for a page's worth (one partition may hold the whole
// page); later reads double, so a filtered scan needs few round trips without holding more
// than this many messages per partition.
constexpr std::int64_t kMinChunk = 16;
constexpr std::int64_t kMaxChunk = 8192;
// Bytes of librdkafka buffers held per partition and read. Without it a chunk of large
// messages could take gigabytes, a well-known way to bring a Kafka UI down.
constexpr std::int64_t kLaneByteBudget = 8 * 1024 * 1024;

Error cancelled()
{
    return fail(QString::fromLatin1(errorcode::kCancelled),
                QStringLiteral("browsing messages was cancelled"));
}

Error invalidArgument(const QString &message)
{
    return fail(QString::fromLatin1(errorcode::kInvalidArgument), message);
}

std::int64_t timestampOf(const rd_kafka_message_t *message)
{
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    return rd_kafka_message_timestamp(message, &type);
}

std::int64_t bytesOf(const rd_kafka_message_t *message)
{
    return std::int64_t(message->len) + std::int64_t(message->key_len);
}

QByteArrayView viewOf(const void *data, size_t size)
{
    return QByteArrayView(static_cast<const char *>(data), qsizetype(size));
}

// The one copy of a message Millrace makes: into the page.
BrowsedMessage toBrowsed(const QString &topic, rd_kafka_message_t *message)
{
    BrowsedMessage out;
    out.topic = topic;
    out.partition = message->partition;
    out.offset = message->offset;
    out.timestampMs = timestampOf(message);
    if (message->key)
        out.key = QByteArray(static_cast<const char *>(message->key), qsizetype(message->key_len));
    if (message->payload)
        out.value =
            QByteArray(static_cast<const char *>(message->payload), qsizetype(message->len));
    rd_kafka_headers_t *headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
        const char *name = nullptr;
        const void *value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size)
                           == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            out.headers.emplace_back(
                QByteArray(name),
                value ? QByteArray(static_cast<const char *>(value), qsizetype(size))
                      : QByteArray());
        }
    }
    return out;
}

// One read of a partition: offsets [from, until).
struct FetchRange
{
    std::int32_t partition = 0;
    std::int64_t from = 0;
    std::int64_t until = 0;
    /// Stop after this many messages; 0 for no limit.
    std::int64_t maxCount = 0;
    /// Read to `until` however much arrives, dropping the oldest messages over the byte budget
    /// (a backwards read needs the newest end of its range); otherwise stop at the budget.
    bool keepNewest = false;
};

// What one read brought: every message of [coveredFrom, coveredUntil), by ascending offset.
struct Fetched
{
    std::deque<KafkaMessage> messages;
    std::int64_t coveredFrom = 0;
    std::int64_t coveredUntil = 0;
};

struct PartitionBounds
{
    std::int64_t low = 0;
    std::int64_t high = 0;
};

// Reads one partition for a page, in the order the page examines messages. A page moving
// towards higher offsets reads chunks forwards; one moving towards lower offsets reads the chunk
// below its frontier (Kafka only reads forwards) and takes it from the top.
struct Lane
{
    std::int32_t partition = 0;
    bool ascending = true;
    /// The page boundary so far (see BrowseCursor::Partition::offset).
    std::int64_t cut = 0;
    /// How far reading got: the next offset to read (ascending), or the lowest read (descending).
    std::int64_t frontier = 0;
    /// The end of the browse in the reading direction: exclusive above, inclusive below.
    std::int64_t bound = 0;
    std::int64_t chunk = kMinChunk;
    /// Read and not yet examined, in examination order.
    std::deque<KafkaMessage> buffer;

    bool moreToRead() const { return ascending ? frontier < bound : frontier > bound; }
    bool hasMore() const { return !buffer.empty() || moreToRead(); }
};

// The lane reading `partition` from boundary `at`, in the page direction `forward`.
Lane makeLane(BrowseOrder order, bool forward, const PartitionBounds &bounds,
              const BrowseCursor::Partition &at)
{
    Lane lane;
    lane.partition = at.partition;
    lane.ascending = (order == BrowseOrder::OldestFirst) == forward;
    // NewestFirst stays below the watermark its first page saw: later messages belong to a new
    // browse, and letting them in would push every page's content along by their number.
    const std::int64_t top =
        std::max(bounds.low,
                 order == BrowseOrder::NewestFirst ? std::min(at.end, bounds.high) : bounds.high);
    lane.cut = std::clamp(at.offset, bounds.low, top);
    lane.frontier = lane.cut;
    lane.bound = lane.ascending ? top : bounds.low;
    return lane;
}

} // namespace

// The consumer and everything that talks to librdkafka. The simple (legacy) consumer API reads
// chosen offsets of chosen partitions with no group at all: rd_kafka_assign() would need a
// group.id (librdkafka refuses it without one), and with it a coordinator lookup, which
// clusters with ACLs may deny.
class MessageBrowser::Reader
{
public:
    Reader(KafkaHandle handle, KafkaQueue queue)
        : m_handle(std::move(handle)), m_queue(std::move(queue))
    {
    }

    std::chrono::milliseconds timeout{kDefaultTimeout};

    Result<rd_kafka_topic_t *> topic(const QString &name);
    Result<std::vector<std::int32_t>> partitions(const QString &name);
    Result<std::vector<PartitionBounds>> bounds(const QString &name,
                                                const std::vector<std::int32_t> &partitions);
    Result<std::vector<Fetched>> fetch(const QString &name, rd_kafka_topic_t *topic,
                                       const std::vector<FetchRange> &ranges,
                                       const CancellationToken &cancel);
    Result<std::vector<std::int64_t>>
    firstOffsetsAtOrAfter(const QString &name, rd_kafka_topic_t *topic,
                          const std::vector<std::int32_t> &partitions,
                          const std::vector<PartitionBounds> &bounds, std::int64_t timestampMs,
                          const CancellationToken &cancel);
    Result<BrowsePage> page(const BrowseQuery &query, const BrowseCursor &from, bool forward,
                            const std::vector<PartitionBounds> &bounds,
                            const CancellationToken &cancel);

private:
    KafkaHandle m_handle;
    KafkaQueue m_queue;
    std::map<QString, KafkaTopic> m_topics;
};

Result<rd_kafka_topic_t *> MessageBrowser::Reader::topic(const QString &name)
{
    auto found = m_topics.find(name);
    if (found != m_topics.end())
        return found->second.get();
    rd_kafka_topic_t *handle =
        rd_kafka_topic_new(m_handle.get(), name.toUtf8().constData(), nullptr);
    if (!handle)
        return kafkaError(QStringLiteral("opening topic '%1'").arg(name), rd_kafka_last_error());
    m_topics.emplace(name, KafkaTopic(handle));
    return handle;
}

Result<std::vector<std::int32_t>> MessageBrowser::Reader::partitions(const QString &name)
{
    // Asking for one topic by name, or opening a handle to it, makes brokers that auto-create
    // topics (and the embedded broker) create it: list all topics and look.
    const rd_kafka_metadata_t *raw = nullptr;
    const rd_kafka_resp_err_t result =
        rd_kafka_metadata(m_handle.get(), 1, nullptr, &raw, toTimeoutMs(timeout));
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR)
        return kafkaError(QStringLiteral("reading the partitions of '%1'").arg(name), result);
    const KafkaMetadata owned(raw);
    const QByteArray wanted = name.toUtf8();
    for (int t = 0; t < raw->topic_cnt; ++t) {
        const rd_kafka_metadata_topic_t &topic = raw->topics[t];
        if (wanted != topic.topic)
            continue;
        if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR
            && topic.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            return kafkaError(QStringLiteral("reading the partitions of '%1'").arg(name),
                              topic.err);
        }
        std::vector<std::int32_t> ids;
        for (int i = 0; i < topic.partition_cnt; ++i)
            ids.push_back(topic.partitions[i].id);
        std::sort(ids.begin(), ids.end());
        if (!ids.empty())
            return ids;
    }
    return fail(QString::fromLatin1(errorcode::kNotFound),
                QStringLiteral("there is no topic '%1'").arg(name));
}

Result<std::vector<PartitionBounds>>
MessageBrowser::Reader::bounds(const QString &name, const std::vector<std::int32_t> &partitions)
{
    // Two ListOffsets requests for all partitions ("timestamps" -2 and -1 ask for the earliest
    // and latest offsets). rd_kafka_query_watermark_offsets() sends two per partition, and took
    // some 50 ms per partition right after a read on the embedded broker.
    const QByteArray topicName = name.toUtf8();
    std::vector<PartitionBounds> bounds(partitions.size());
    for (const std::int64_t end : {RD_KAFKA_OFFSET_BEGINNING, RD_KAFKA_OFFSET_END}) {
        const PartitionList list(rd_kafka_topic_partition_list_new(int(partitions.size())));
        for (const std::int32_t partition : partitions)
            rd_kafka_topic_partition_list_add(list.get(), topicName.constData(), partition)
                ->offset = end;
        const QString what = QStringLiteral("reading the offsets of '%1'").arg(name);
        const rd_kafka_resp_err_t result =
            rd_kafka_offsets_for_times(m_handle.get(), list.get(), toTimeoutMs(timeout));
        if (result != RD_KAFKA_RESP_ERR_NO_ERROR)
            return kafkaError(what, result);
        for (std::size_t i = 0; i < partitions.size(); ++i) {
            const rd_kafka_topic_partition_t *entry = rd_kafka_topic_partition_list_find(
                list.get(), topicName.constData(), partitions[i]);
            if (!entry)
                return kafkaError(what, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
            if (entry->err != RD_KAFKA_RESP_ERR_NO_ERROR)
                return kafkaError(what, entry->err);
            (end == RD_KAFKA_OFFSET_BEGINNING ? bounds[i].low : bounds[i].high) = entry->offset;
        }
    }
    return bounds;
}

Result<std::vector<Fetched>> MessageBrowser::Reader::fetch(const QString &name,
                                                           rd_kafka_topic_t *topic,
                                                           const std::vector<FetchRange> &ranges,
                                                           const CancellationToken &cancel)
{
    struct State
    {
        bool running = false;
        std::int64_t bytes = 0;
        std::int64_t last = -1;
    };
    std::vector<Fetched> results(ranges.size());
    std::vector<State> states(ranges.size());
    std::map<std::int32_t, std::size_t> byPartition;
    std::size_t open = 0;
    // Partitions still fetching when this returns (an error, a cancel) stop here, so the next
    // read starts clean; stopping also drops what they fetched ahead.
    const auto stopRunning = qScopeGuard([&] {
        for (std::size_t i = 0; i < ranges.size(); ++i) {
            if (states[i].running)
                rd_kafka_consume_stop(topic, ranges[i].partition);
        }
    });
    const auto finish = [&](std::size_t i, std::int64_t coveredUntil) {
        results[i].coveredUntil = std::clamp(coveredUntil, ranges[i].from, ranges[i].until);
        rd_kafka_consume_stop(topic, ranges[i].partition);
        states[i].running = false;
        --open;
    };

    for (std::size_t i = 0; i < ranges.size(); ++i) {
        results[i].coveredFrom = ranges[i].from;
        results[i].coveredUntil = ranges[i].from;
        byPartition[ranges[i].partition] = i;
        if (rd_kafka_consume_start_queue(topic, ranges[i].partition, ranges[i].from, m_queue.get())
            == -1) {
            return kafkaError(
                QStringLiteral("reading %1 partition %2").arg(name).arg(ranges[i].partition),
                rd_kafka_last_error());
        }
        states[i].running = true;
        ++open;
    }

    QElapsedTimer idle;
    idle.start();
    std::array<rd_kafka_message_t *, 256> batch{};
    while (open > 0) {
        if (cancel.isCancelled())
            return cancelled();
        ssize_t count = rd_kafka_consume_batch_queue(m_queue.get(), 0, batch.data(), batch.size());
        if (count == 0) {
            // A batch read with a timeout waits for a full batch; waiting for one message
            // returns as soon as there is something.
            if (rd_kafka_message_t *one = rd_kafka_consume_queue(m_queue.get(), 100)) {
                batch[0] = one;
                count = 1;
            }
        }
        if (count < 0)
            return kafkaError(QStringLiteral("reading '%1'").arg(name), rd_kafka_last_error());
        if (count == 0) {
            if (idle.elapsed() > timeout.count()) {
                return fail(QString::fromLatin1(errorcode::kTimedOut),
                            QStringLiteral("reading '%1': the cluster sent nothing for %2 ms")
                                .arg(name)
                                .arg(timeout.count()));
            }
            continue;
        }
        idle.restart();
        for (ssize_t k = 0; k < count; ++k) {
            KafkaMessage message(batch[std::size_t(k)]);
            const auto found = byPartition.find(message->partition);
            if (found == byPartition.end() || !states[found->second].running)
                continue;
            const std::size_t i = found->second;
            const FetchRange &range = ranges[i];
            if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                finish(i, message->offset);
                continue;
            }
            if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                const QString code = errorCodeFor(message->err);
                const QString what =
                    QStringLiteral("reading %1 partition %2 failed: %3")
                        .arg(name)
                        .arg(range.partition)
                        .arg(QString::fromUtf8(rd_kafka_message_errstr(message.get())));
                if (code == QLatin1String(errorcode::kNotFound)
                    || code == QLatin1String(errorcode::kAuthentication)) {
                    return fail(code, what);
                }
                // Offsets reset after retention, a broker reconnecting: librdkafka carries on.
                qCDebug(lcStreams).noquote() << what;
                continue;
            }
            // Ahead of the start or repeated: left over from an earlier read of the partition.
            if (message->offset < range.from || message->offset <= states[i].last)
                continue;
            if (message->offset >= range.until) {
                finish(i, range.until);
                continue;
            }
            State &state = states[i];
            Fetched &result = results[i];
            state.last = message->offset;
            state.bytes += bytesOf(message.get());
            result.messages.push_back(std::move(message));
            if (range.keepNewest) {
                while (state.bytes > kLaneByteBudget && result.messages.size() > 1) {
                    state.bytes -= bytesOf(result.messages.front().get());
                    result.messages.pop_front();
                    result.coveredFrom = result.messages.front()->offset;
                }
            }
            const std::int64_t next = state.last + 1;
            if (next >= range.until
                || (range.maxCount > 0 && std::int64_t(result.messages.size()) >= range.maxCount)
                || (!range.keepNewest && state.bytes >= kLaneByteBudget)) {
                finish(i, next);
            }
        }
    }
    return results;
}

Result<std::vector<std::int64_t>> MessageBrowser::Reader::firstOffsetsAtOrAfter(
    const QString &name, rd_kafka_topic_t *topic, const std::vector<std::int32_t> &partitions,
    const std::vector<PartitionBounds> &bounds, std::int64_t timestampMs,
    const CancellationToken &cancel)
{
    const std::size_t count = partitions.size();
    std::vector<std::int64_t> offsets(count, -1);
    std::vector<bool> check(count, false);

    const QByteArray topicName = name.toUtf8();
    const PartitionList list(rd_kafka_topic_partition_list_new(int(count)));
    for (const std::int32_t partition : partitions)
        rd_kafka_topic_partition_list_add(list.get(), topicName.constData(), partition)->offset =
            timestampMs;
    const rd_kafka_resp_err_t result =
        rd_kafka_offsets_for_times(m_handle.get(), list.get(), toTimeoutMs(timeout));
    if (result != RD_KAFKA_RESP_ERR_NO_ERROR) {
        qCDebug(lcStreams) << "offsets for times failed, searching instead:"
                           << rd_kafka_err2str(result);
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (bounds[i].low >= bounds[i].high) {
            offsets[i] = bounds[i].high;
            continue;
        }
        const rd_kafka_topic_partition_t *entry =
            rd_kafka_topic_partition_list_find(list.get(), topicName.constData(), partitions[i]);
        if (result == RD_KAFKA_RESP_ERR_NO_ERROR && entry && !entry->err && entry->offset >= 0)
            offsets[i] = std::clamp<std::int64_t>(entry->offset, bounds[i].low, bounds[i].high);
        else
            check[i] = true;
    }

    // "No message that late" is what a broker without a time index (the embedded broker) says
    // to every question. The newest message tells: if it is that late after all, search.
    std::vector<std::size_t> checked;
    std::vector<FetchRange> ranges;
    for (std::size_t i = 0; i < count; ++i) {
        if (check[i]) {
            checked.push_back(i);
            ranges.push_back(FetchRange{partitions[i], bounds[i].high - 1, bounds[i].high, 1});
        }
    }
    std::vector<std::int64_t> lo(count);
    std::vector<std::int64_t> hi(count);
    std::vector<bool> searching(count, false);
    if (!ranges.empty()) {
        Result<std::vector<Fetched>> newest = fetch(name, topic, ranges, cancel);
        if (!newest)
            return newest.error();
        for (std::size_t k = 0; k < checked.size(); ++k) {
            const std::size_t i = checked[k];
            const std::deque<KafkaMessage> &messages = newest->at(k).messages;
            if (messages.empty() || timestampOf(messages.front().get()) < timestampMs) {
                offsets[i] = bounds[i].high;
            } else {
                searching[i] = true;
                lo[i] = bounds[i].low;
                hi[i] = bounds[i].high;
            }
        }
    }

    // Binary search by reading one message per step, all partitions at once; it assumes
    // timestamps grow with offsets, as Kafka's own time index does.
    while (true) {
        std::vector<std::size_t> probed;
        ranges.clear();
        for (std::size_t i = 0; i < count; ++i) {
            if (searching[i] && lo[i] < hi[i]) {
                probed.push_back(i);
                ranges.push_back(FetchRange{partitions[i], lo[i] + (hi[i] - lo[i]) / 2, hi[i], 1});
            }
        }
        if (ranges.empty())
            break;
        Result<std::vector<Fetched>> probes = fetch(name, topic, ranges, cancel);
        if (!probes)
            return probes.error();
        for (std::size_t k = 0; k < probed.size(); ++k) {
            const std::size_t i = probed[k];
            const std::deque<KafkaMessage> &messages = probes->at(k).messages;
            // Nothing from the middle up to `hi` is like finding a late message there.
            if (messages.empty() || timestampOf(messages.front().get()) >= timestampMs)
                hi[i] = ranges[k].from;
            else
                lo[i] = messages.front()->offset + 1;
        }
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (searching[i])
            offsets[i] = lo[i];
    }
    return offsets;
}

Result<BrowsePage> MessageBrowser::Reader::page(const BrowseQuery &query, const BrowseCursor &from,
                                                bool forward,
                                                const std::vector<PartitionBounds> &bounds,
                                                const CancellationToken &cancel)
{
    Result<rd_kafka_topic_t *> topic = this->topic(query.topic);
    if (!topic)
        return topic.error();

    // Sized once: a deque of unique_ptr is not nothrow-movable, so a growing vector would
    // try to copy lanes.
    std::vector<Lane> lanes(from.partitions.size());
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        lanes[i] = makeLane(query.order, forward, bounds[i], from.partitions[i]);
        lanes[i].chunk = std::clamp<std::int64_t>(query.pageSize, kMinChunk, kMaxChunk);
    }
    BrowseCursor start = from;
    for (std::size_t i = 0; i < lanes.size(); ++i)
        start.partitions[i].offset = lanes[i].cut;

    // The page examines messages newest first when it shows NewestFirst going forward, or
    // OldestFirst going back; equal timestamps go by partition, lower first in the shown order.
    const bool newestFirst = (query.order == BrowseOrder::NewestFirst) == forward;
    const auto comesFirst = [&](const rd_kafka_message_t *a, const rd_kafka_message_t *b) {
        const std::int64_t ta = timestampOf(a);
        const std::int64_t tb = timestampOf(b);
        if (ta != tb)
            return newestFirst ? ta > tb : ta < tb;
        return forward ? a->partition < b->partition : a->partition > b->partition;
    };

    BrowsePage page;
    std::vector<BrowsedMessage> found;
    bool stoppedAtLimit = false;
    while (std::int64_t(found.size()) < query.pageSize) {
        if (page.scanned >= query.scanLimit) {
            stoppedAtLimit = true;
            break;
        }
        if ((page.scanned & 1023) == 0 && cancel.isCancelled())
            return cancelled();

        // Every lane needs its next message before one can be picked: read all that ran dry,
        // together, in one round trip.
        std::vector<FetchRange> ranges;
        std::vector<Lane *> reading;
        for (Lane &lane : lanes) {
            if (!lane.buffer.empty() || !lane.moreToRead())
                continue;
            reading.push_back(&lane);
            if (lane.ascending)
                ranges.push_back(FetchRange{lane.partition, lane.frontier, lane.bound, lane.chunk});
            else
                ranges.push_back(FetchRange{lane.partition,
                                            std::max(lane.bound, lane.frontier - lane.chunk),
                                            lane.frontier, 0, true});
        }
        if (!ranges.empty()) {
            Result<std::vector<Fetched>> fetched = fetch(query.topic, *topic, ranges, cancel);
            if (!fetched)
                return fetched.error();
            for (std::size_t k = 0; k < reading.size(); ++k) {
                Lane &lane = *reading[k];
                Fetched &chunk = fetched->at(k);
                if (lane.ascending) {
                    // The end came before the bound only if the partition shrank (truncated
                    // after a leader change): that is the end of the browse there.
                    if (chunk.coveredUntil == lane.frontier)
                        lane.bound = lane.frontier;
                    lane.frontier = chunk.coveredUntil;
                    lane.buffer = std::move(chunk.messages);
                    lane.chunk = std::min(lane.chunk * 2, kMaxChunk);
                } else {
                    const bool trimmed = chunk.coveredFrom > ranges[k].from;
                    lane.frontier = chunk.coveredFrom;
                    lane.buffer.assign(std::make_move_iterator(chunk.messages.rbegin()),
                                       std::make_move_iterator(chunk.messages.rend()));
                    lane.chunk = trimmed ? std::max(kMinChunk, ranges[k].until - chunk.coveredFrom)
                                         : std::min(lane.chunk * 2, kMaxChunk);
                }
            }
            continue; // a lane may have read nothing (a gap in a compacted topic): look again
        }

        Lane *next = nullptr;
        for (Lane &lane : lanes) {
            if (!lane.buffer.empty()
                && (!next || comesFirst(lane.buffer.front().get(), next->buffer.front().get())))
                next = &lane;
        }
        if (!next)
            break;
        KafkaMessage message = std::move(next->buffer.front());
        next->buffer.pop_front();
        ++page.scanned;
        next->cut = next->ascending ? message->offset + 1 : message->offset;
        if (query.filter.matches(viewOf(message->key, message->key_len),
                                 viewOf(message->payload, message->len))) {
            found.push_back(toBrowsed(query.topic, message.get()));
        }
    }

    BrowseCursor reached = from;
    bool more = false;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        // A lane that examined all it read has passed the gaps up to its frontier too.
        if (lanes[i].buffer.empty())
            lanes[i].cut = lanes[i].frontier;
        reached.partitions[i].offset = lanes[i].cut;
        more = more || lanes[i].hasMore();
    }
    bool moreBehind = false;
    for (std::size_t i = 0; i < lanes.size(); ++i)
        moreBehind =
            moreBehind
            || makeLane(query.order, !forward, bounds[i], start.partitions[i]).moreToRead();

    page.scanLimitReached = stoppedAtLimit && more;
    if (forward) {
        page.messages = std::move(found);
        page.previous = std::move(start);
        page.next = std::move(reached);
        page.atEnd = !more;
        page.atStart = !moreBehind;
    } else {
        page.messages.assign(std::make_move_iterator(found.rbegin()),
                             std::make_move_iterator(found.rend()));
        page.previous = std::move(reached);
        page.next = std::move(start);
        page.atStart = !more;
        page.atEnd = !moreBehind;
    }
    return page;
}

Result<std::unique_ptr<MessageBrowser>> MessageBrowser::create(const ClusterEndpoint &endpoint)
{
    // No group and no commits: browsing must not move anyone's offsets. End-of-partition events
    // say when a read is done. The broker answers a fetch at once (fetch.wait.max.ms 0) instead
    // of holding it for new data: a held fetch delays the requests queued behind it on the
    // connection (the offsets of the next page), and a read is stopped as soon as it reaches
    // the end anyway. A smaller local queue bounds read-ahead.
    const ClientProperties tuning{
        {"enable.auto.commit", "false"},         {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "true"},        {"auto.offset.reset", "earliest"},
        {"allow.auto.create.topics", "false"},   {"fetch.wait.max.ms", "0"},
        {"queued.max.messages.kbytes", "16384"}, {"log_level", "3"},
    };
    Result<KafkaHandle> handle = makeClient(RD_KAFKA_CONSUMER, endpoint.with(tuning));
    if (!handle)
        return handle.error();
    KafkaQueue queue(rd_kafka_queue_new(handle->get()));
    return std::unique_ptr<MessageBrowser>(
        new MessageBrowser(std::make_unique<Reader>(std::move(handle.value()), std::move(queue))));
}

MessageBrowser::MessageBrowser(std::unique_ptr<Reader> reader) : m_reader(std::move(reader)) {}

MessageBrowser::~MessageBrowser() = default;

void MessageBrowser::setTimeout(std::chrono::milliseconds timeout)
{
    m_reader->timeout = timeout;
}

namespace {

Result<void> checkQuery(const BrowseQuery &query)
{
    if (query.topic.isEmpty())
        return invalidArgument(QStringLiteral("no topic to browse"));
    if (query.pageSize < 1)
        return invalidArgument(QStringLiteral("a page needs at least one message"));
    if (query.scanLimit < 1)
        return invalidArgument(QStringLiteral("the scan limit must be at least one message"));
    return {};
}

} // namespace

Result<BrowsePage> MessageBrowser::firstPage(const BrowseQuery &query,
                                             const CancellationToken &cancel)
{
    if (Result<void> valid = checkQuery(query); !valid)
        return valid.error();
    if (query.start == BrowseStart::Offset && !query.partition)
        return invalidArgument(QStringLiteral("starting at an offset needs one partition"));
    Result<std::vector<std::int32_t>> all = m_reader->partitions(query.topic);
    if (!all)
        return all.error();
    Result<rd_kafka_topic_t *> topic = m_reader->topic(query.topic);
    if (!topic)
        return topic.error();
    std::vector<std::int32_t> partitions = std::move(all.value());
    if (query.partition) {
        if (std::find(partitions.begin(), partitions.end(), *query.partition) == partitions.end()) {
            return fail(QString::fromLatin1(errorcode::kNotFound),
                        QStringLiteral("topic '%1' has no partition %2")
                            .arg(query.topic)
                            .arg(*query.partition));
        }
        partitions = {*query.partition};
    }

    Result<std::vector<PartitionBounds>> marks = m_reader->bounds(query.topic, partitions);
    if (!marks)
        return marks.error();
    const std::vector<PartitionBounds> &bounds = *marks;

    std::vector<std::int64_t> offsets(partitions.size());
    const bool newestFirst = query.order == BrowseOrder::NewestFirst;
    switch (query.start) {
    case BrowseStart::Newest:
    case BrowseStart::Oldest:
        for (std::size_t i = 0; i < partitions.size(); ++i)
            offsets[i] = query.start == BrowseStart::Newest ? bounds[i].high : bounds[i].low;
        break;
    case BrowseStart::Offset: {
        // The boundary sits before the chosen message in the order shown.
        const std::int64_t offset = std::clamp(query.startOffset, bounds[0].low, bounds[0].high);
        offsets[0] = newestFirst ? std::min(offset + 1, bounds[0].high) : offset;
        break;
    }
    case BrowseStart::Timestamp: {
        // NewestFirst begins with the last message at or before the time: the boundary is the
        // first message after it.
        Result<std::vector<std::int64_t>> found = m_reader->firstOffsetsAtOrAfter(
            query.topic, *topic, partitions, bounds,
            newestFirst ? query.startTimestampMs + 1 : query.startTimestampMs, cancel);
        if (!found)
            return found.error();
        offsets = std::move(found.value());
        break;
    }
    }

    BrowseCursor cursor;
    cursor.topic = query.topic;
    cursor.order = query.order;
    for (std::size_t i = 0; i < partitions.size(); ++i)
        cursor.partitions.push_back(
            BrowseCursor::Partition{partitions[i], offsets[i], bounds[i].high});
    // From the end the order leads away from, the first page is the one that ends there.
    const bool forward = !((query.start == BrowseStart::Newest && !newestFirst)
                           || (query.start == BrowseStart::Oldest && newestFirst));
    return m_reader->page(query, cursor, forward, bounds, cancel);
}

Result<BrowsePage> MessageBrowser::nextPage(const BrowseQuery &query, const BrowseCursor &cursor,
                                            const CancellationToken &cancel)
{
    return pageFrom(query, cursor, true, cancel);
}

Result<BrowsePage> MessageBrowser::previousPage(const BrowseQuery &query,
                                                const BrowseCursor &cursor,
                                                const CancellationToken &cancel)
{
    return pageFrom(query, cursor, false, cancel);
}

Result<BrowsePage> MessageBrowser::pageFrom(const BrowseQuery &query, const BrowseCursor &cursor,
                                            bool forward, const CancellationToken &cancel)
{
    if (Result<void> valid = checkQuery(query); !valid)
        return valid.error();
    const bool samePartitions =
        !query.partition
        || (cursor.partitions.size() == 1 && cursor.partitions[0].partition == *query.partition);
    if (!cursor.isValid() || cursor.topic != query.topic || cursor.order != query.order
        || !samePartitions) {
        return invalidArgument(
            QStringLiteral("the cursor belongs to another browse (topic, order or partition)"));
    }
    std::vector<std::int32_t> partitions;
    for (const BrowseCursor::Partition &partition : cursor.partitions)
        partitions.push_back(partition.partition);
    Result<std::vector<PartitionBounds>> bounds = m_reader->bounds(query.topic, partitions);
    if (!bounds)
        return bounds.error();
    return m_reader->page(query, cursor, forward, *bounds, cancel);
}

} // namespace millrace::streams

#pragma once

#include "core/base/cancellation.h"
#include "core/base/result.h"
#include "core/streams/endpoint.h"
#include "core/streams/messagefilter.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace millrace::streams {

/// One message as the browser shows it: a copy of the record, independent of librdkafka.
struct BrowsedMessage
{
    QString topic;
    std::int32_t partition = 0;
    std::int64_t offset = -1;
    /// Milliseconds since the epoch (create or log-append time); -1 when the record has none.
    std::int64_t timestampMs = -1;
    /// A null key or value (isNull()) was absent on the wire; a null value is a tombstone.
    QByteArray key;
    QByteArray value;
    std::vector<std::pair<QByteArray, QByteArray>> headers;
};

/// The order pages show messages in. Across partitions messages are merged by timestamp, ties
/// broken by partition (lower first); within a partition the offset order always holds. When a
/// partition's own timestamps go backwards (producers set them), that partition still comes in
/// offset order and the merge places it by the timestamps of its messages as they come.
enum class BrowseOrder { NewestFirst, OldestFirst };

/// Where the first page begins.
enum class BrowseStart {
    /// The newest messages (the high watermarks).
    Newest,
    /// The oldest messages still kept (the low watermarks).
    Oldest,
    /// BrowseQuery::startOffset of the one partition in BrowseQuery::partition.
    Offset,
    /// BrowseQuery::startTimestampMs: OldestFirst begins with the first message at or after it,
    /// NewestFirst with the last message at or before it. Brokers find the offsets in their
    /// time index; where they cannot (the embedded broker), a binary search over each
    /// partition does, assuming timestamps grow with offsets.
    Timestamp,
};

/// What to browse and how.
struct BrowseQuery
{
    QString topic;
    /// One partition, or all of the topic's partitions when empty.
    std::optional<std::int32_t> partition;
    BrowseOrder order = BrowseOrder::NewestFirst;
    /// Where the first page starts. A first page that starts at the end its order leads away
    /// from (OldestFirst from Newest, NewestFirst from Oldest) shows the page that ends there.
    BrowseStart start = BrowseStart::Newest;
    std::int64_t startOffset = 0;
    std::int64_t startTimestampMs = 0;
    /// Matching messages per page.
    int pageSize = 50;
    MessageFilter filter;
    /// Messages examined per page at most; a page that stops there says so
    /// (BrowsePage::scanLimitReached) and its cursor continues the scan where it stopped.
    std::int64_t scanLimit = 100000;
};

/// A boundary between pages: for each partition, the offset that separates what lies before it
/// (in the browse's order) from what lies after. nextPage() reads on from a page's `next`,
/// previousPage() back from its `previous`, so paging neither repeats nor skips a message, and
/// going back gives the same pages as going forward did. (Only where a partition's timestamps
/// go backwards may a page read backwards group the messages around that spot differently,
/// still without repeats or gaps.)
struct BrowseCursor
{
    struct Partition
    {
        std::int32_t partition = 0;
        /// OldestFirst: offsets below lie before the boundary. NewestFirst: offsets at or above.
        std::int64_t offset = 0;
        /// NewestFirst: the high watermark when the first page was read. Messages at or above it
        /// arrived later and are not part of this browse (a new firstPage() shows them), so
        /// pages stay put while producers write. Unused by OldestFirst, whose next pages simply
        /// go on into newly arrived messages.
        std::int64_t end = 0;
    };
    QString topic;
    BrowseOrder order = BrowseOrder::NewestFirst;
    /// Ordered by partition.
    std::vector<Partition> partitions;

    bool isValid() const { return !topic.isEmpty(); }
};

/// One page of a browse.
struct BrowsePage
{
    /// In the browse's order; at most pageSize.
    std::vector<BrowsedMessage> messages;
    /// Boundaries after the last and before the first message of the page.
    BrowseCursor next;
    BrowseCursor previous;
    /// Nothing after `next` / before `previous` (when the page was read). With a filter this
    /// speaks of messages to examine, not of matches.
    bool atEnd = false;
    bool atStart = false;
    /// Messages examined for this page.
    std::int64_t scanned = 0;
    /// The page stopped at BrowseQuery::scanLimit with messages left to examine; the cursor
    /// in the direction read continues the scan.
    bool scanLimitReached = false;
};

/// Reads pages of a topic's messages for the message browser: newest or oldest first, merged
/// across partitions by timestamp, from an end, an offset or a time, filtered (MessageFilter).
/// It reads without a consumer group and commits nothing, so browsing leaves no trace on the
/// cluster; like consumers by default, it sees committed messages only (read_committed). Every call
/// blocks (waiting at most the timeout for the cluster to answer, however long a scan takes while
/// data keeps coming), so use it from a worker thread; a CancellationToken stops a long scan
/// (errorcode::kCancelled). Not thread-safe: one thread at a time.
class MessageBrowser
{
public:
    /// Default time a call waits for the cluster to answer.
    static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

    /// A browser for `endpoint`; does not contact the cluster yet.
    static Result<std::unique_ptr<MessageBrowser>> create(const ClusterEndpoint &endpoint);
    ~MessageBrowser();
    MessageBrowser(const MessageBrowser &) = delete;
    MessageBrowser &operator=(const MessageBrowser &) = delete;

    /// How long a call waits for the cluster without getting anything before it fails with
    /// errorcode::kTimedOut.
    void setTimeout(std::chrono::milliseconds timeout);

    /// The first page of `query`. Fails with kNotFound for a missing topic or partition, and
    /// with kInvalidArgument for a bad query (an offset start without a partition, a page size
    /// below 1).
    Result<BrowsePage> firstPage(const BrowseQuery &query, const CancellationToken &cancel = {});
    /// The page after `cursor` (a page's `next`). `query` must be the one the cursor came from
    /// (same topic and order; kInvalidArgument otherwise); its filter, page size and scan limit
    /// may change between pages.
    Result<BrowsePage> nextPage(const BrowseQuery &query, const BrowseCursor &cursor,
                                const CancellationToken &cancel = {});
    /// The page before `cursor` (a page's `previous`), in the same order as every page.
    Result<BrowsePage> previousPage(const BrowseQuery &query, const BrowseCursor &cursor,
                                    const CancellationToken &cancel = {});

private:
    class Reader;
    explicit MessageBrowser(std::unique_ptr<Reader> reader);
    Result<BrowsePage> pageFrom(const BrowseQuery &query, const BrowseCursor &cursor, bool forward,
                                const CancellationToken &cancel);

    std::unique_ptr<Reader> m_reader;
};

} // namespace millrace::streams

// The message browser against the embedded broker (librdkafka's mock cluster over TCP): paging
// in both orders and directions, merged across partitions, while producers write; starting at an
// offset or a time; filters and the scan limit; and the export and display of what was found.

#include "core/streams/clusterclient.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/messagebrowser.h"
#include "core/streams/messageexport.h"
#include "core/streams/producer.h"
#include "testsupport/verify.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <functional>
#include <set>

using namespace millrace::streams;
using namespace std::chrono_literals;
using millrace::Result;

namespace {

constexpr std::int64_t kBaseTime = 1'700'000'000'000;

// One message as the test produced it, with where it must have landed.
struct Produced
{
    int index = 0;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestampMs = 0;
    QByteArray key;
    QByteArray value;
};

using Position = std::pair<std::int32_t, std::int64_t>;

bool isPlainText(int i)
{
    return i % 25 == 7;
}

bool isBinary(int i)
{
    return i % 40 == 13;
}

bool isJson(int i)
{
    return !isPlainText(i) && !isBinary(i);
}

QByteArray valueFor(int i)
{
    if (isPlainText(i))
        return "Plain text message " + QByteArray::number(i);
    if (isBinary(i))
        return QByteArray("\x00\x01\xfe\xff", 4) + QByteArray::number(i);
    const QByteArray name = (i % 4 == 0 ? "Blue shirt #" : "sock #") + QByteArray::number(i);
    return "{\"n\":" + QByteArray::number(i) + ",\"label\":" + QByteArray::number(i % 10)
           + ",\"score\":" + QByteArray::number((i % 100) / 100.0) + ",\"meta\":{\"source\":\""
           + (i % 3 == 0 ? "sim" : "real") + "\"},\"name\":\"" + name + "\"}";
}

std::vector<Position> positionsOf(const std::vector<BrowsedMessage> &messages)
{
    std::vector<Position> positions;
    for (const BrowsedMessage &message : messages)
        positions.emplace_back(message.partition, message.offset);
    return positions;
}

// The sequence a browse of all of `produced` must show, by the documented merge order.
std::vector<Position> expectedOrder(std::vector<Produced> produced, BrowseOrder order)
{
    std::sort(produced.begin(), produced.end(), [order](const Produced &a, const Produced &b) {
        if (a.timestampMs != b.timestampMs)
            return order == BrowseOrder::NewestFirst ? a.timestampMs > b.timestampMs
                                                     : a.timestampMs < b.timestampMs;
        if (a.partition != b.partition)
            return a.partition < b.partition;
        return order == BrowseOrder::NewestFirst ? a.offset > b.offset : a.offset < b.offset;
    });
    std::vector<Position> positions;
    for (const Produced &message : produced)
        positions.emplace_back(message.partition, message.offset);
    return positions;
}

// A minimal RFC 4180 reader, to read exports back.
std::vector<QStringList> readCsv(const QString &text)
{
    std::vector<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"') && i + 1 < text.size()
                && text.at(i + 1) == QLatin1Char('"')) {
                field += c;
                ++i;
            } else if (c == QLatin1Char('"')) {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row.append(std::exchange(field, QString()));
        } else if (c == QLatin1Char('\r') && i + 1 < text.size()
                   && text.at(i + 1) == QLatin1Char('\n')) {
            row.append(std::exchange(field, QString()));
            rows.push_back(std::exchange(row, QStringList()));
            ++i;
        } else {
            field += c;
        }
    }
    return rows;
}

QByteArray fromCsvPayload(const QString &field)
{
    if (field.startsWith(QLatin1String("base64:")))
        return QByteArray::fromBase64(field.mid(7).toLatin1());
    return field.toUtf8();
}

QByteArray fromJsonPayload(const QJsonObject &object, const QString &name)
{
    const QJsonValue value = object.value(name);
    if (value.isNull())
        return QByteArray();
    const QString encoding = object.value(name + QLatin1String("Encoding")).toString();
    if (encoding == QLatin1String("json"))
        return QJsonDocument(value.isObject() ? QJsonDocument(value.toObject())
                                              : QJsonDocument(value.toArray()))
            .toJson(QJsonDocument::Compact);
    if (encoding == QLatin1String("base64"))
        return QByteArray::fromBase64(value.toString().toLatin1());
    return value.toString().toUtf8();
}

} // namespace

Q_DECLARE_METATYPE(BrowseOrder)
Q_DECLARE_METATYPE(BrowseStart)
Q_DECLARE_METATYPE(ExportFormat)
Q_DECLARE_METATYPE(std::function<bool(int)>)

class TestMessageBrowser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_clock.start();
        Result<std::shared_ptr<EmbeddedBroker>> broker = EmbeddedBroker::start(1);
        VERIFY_OK(broker);
        m_broker = broker.value();
        // Every topic is created and filled here: a producer's first message to a new topic
        // waits about a second, once for all of them.
        for (const auto &[name, partitions] : {std::pair{"browse", 3}, std::pair{"empty", 2},
                                               std::pair{"live", 3}, std::pair{"large", 1}})
            VERIFY_OK(m_broker->createTopic(QString::fromLatin1(name), partitions));
        Result<std::unique_ptr<MessageProducer>> producer =
            MessageProducer::create(m_broker->endpoint());
        VERIFY_OK(producer);
        m_producer = std::move(producer.value());

        // Uneven partitions with runs, and pairs of equal timestamps so that ties (broken by
        // partition) happen both within and across partitions.
        std::array<std::int64_t, 3> nextOffset{};
        for (int i = 0; i < 999; ++i) {
            Produced message;
            message.index = i;
            message.partition = (i * i + i / 10) % 3;
            message.offset = nextOffset[std::size_t(message.partition)]++;
            message.timestampMs = kBaseTime + (i / 2) * 10;
            message.key = "key-" + QByteArray::number(i);
            message.value = valueFor(i);
            m_produced.push_back(message);
        }
        QVERIFY(send(QStringLiteral("browse"), m_produced));

        m_liveBefore = liveMessages(0, 120, kBaseTime);
        QVERIFY(send(QStringLiteral("live"), m_liveBefore));

        // 20 messages of 700 KiB (compressed on the wire: the embedded broker keeps 5 MiB per
        // partition).
        for (int i = 0; i < 20; ++i) {
            Produced message;
            message.index = i;
            message.offset = i;
            message.timestampMs = kBaseTime + i;
            message.key = "large-" + QByteArray::number(i);
            message.value = QByteArray(700 * 1024, char('a' + i));
            m_large.push_back(message);
        }
        QVERIFY(send(QStringLiteral("large"), m_large));
        QVERIFY(flush());

        Result<std::unique_ptr<MessageBrowser>> browser =
            MessageBrowser::create(m_broker->endpoint());
        VERIFY_OK(browser);
        m_browser = std::move(browser.value());
        m_browser->setTimeout(5s);
        qInfo("set-up: %lld ms", m_clock.elapsed());
    }

    void pagingForwardShowsEveryMessageOnceInOrder_data()
    {
        QTest::addColumn<BrowseOrder>("order");
        QTest::addColumn<int>("pageSize");
        QTest::newRow("newest first") << BrowseOrder::NewestFirst << 50;
        QTest::newRow("oldest first") << BrowseOrder::OldestFirst << 50;
        QTest::newRow("newest first, odd page size") << BrowseOrder::NewestFirst << 37;
        QTest::newRow("oldest first, large pages") << BrowseOrder::OldestFirst << 400;
    }

    void pagingForwardShowsEveryMessageOnceInOrder()
    {
        QFETCH(BrowseOrder, order);
        QFETCH(int, pageSize);
        BrowseQuery query = queryFor(QStringLiteral("browse"), order);
        query.pageSize = pageSize;

        std::vector<BrowsePage> pages;
        QVERIFY(readAll(query, pages));
        std::vector<Position> shown;
        std::vector<std::int64_t> timestamps;
        for (std::size_t p = 0; p < pages.size(); ++p) {
            const BrowsePage &page = pages[p];
            QCOMPARE(page.atStart, p == 0);
            QCOMPARE(page.atEnd, p + 1 == pages.size());
            QVERIFY(!page.scanLimitReached);
            if (p + 1 < pages.size())
                QCOMPARE(int(page.messages.size()), pageSize);
            for (const BrowsedMessage &message : page.messages) {
                shown.emplace_back(message.partition, message.offset);
                timestamps.push_back(message.timestampMs);
            }
        }
        QCOMPARE(std::set<Position>(shown.begin(), shown.end()).size(), m_produced.size());
        QCOMPARE(shown, expectedOrder(m_produced, order));
        if (order == BrowseOrder::NewestFirst)
            QVERIFY(std::is_sorted(timestamps.begin(), timestamps.end(), std::greater<>()));
        else
            QVERIFY(std::is_sorted(timestamps.begin(), timestamps.end()));
    }

    void messagesArriveWhole()
    {
        BrowseQuery query = queryFor(QStringLiteral("browse"), BrowseOrder::OldestFirst);
        query.pageSize = 5;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        QCOMPARE(page->messages.size(), std::size_t(5));
        for (const BrowsedMessage &message : page->messages) {
            const Produced &produced = producedAt(message.partition, message.offset);
            QCOMPARE(message.topic, QStringLiteral("browse"));
            QCOMPARE(message.key, produced.key);
            QCOMPARE(message.value, produced.value);
            QCOMPARE(message.timestampMs, produced.timestampMs);
            QCOMPARE(message.headers.size(), std::size_t(1));
            QCOMPARE(message.headers[0].first, QByteArray("index"));
            QCOMPARE(message.headers[0].second, QByteArray::number(produced.index));
        }
    }

    void nextThenPreviousReturnsTheSamePage_data()
    {
        QTest::addColumn<BrowseOrder>("order");
        QTest::newRow("newest first") << BrowseOrder::NewestFirst;
        QTest::newRow("oldest first") << BrowseOrder::OldestFirst;
    }

    void nextThenPreviousReturnsTheSamePage()
    {
        QFETCH(BrowseOrder, order);
        const BrowseQuery query = queryFor(QStringLiteral("browse"), order);
        std::vector<BrowsePage> pages;
        QVERIFY(readAll(query, pages));
        QCOMPARE(pages.size(), std::size_t(20));

        // Back from the end, one page at a time, to the start.
        BrowsePage current = pages.back();
        for (int p = int(pages.size()) - 2; p >= 0; --p) {
            Result<BrowsePage> previous = m_browser->previousPage(query, current.previous);
            VERIFY_OK(previous);
            QCOMPARE(positionsOf(previous->messages), positionsOf(pages[std::size_t(p)].messages));
            QCOMPARE(previous->atStart, p == 0);
            QVERIFY(!previous->atEnd);
            current = std::move(previous.value());
        }
        Result<BrowsePage> beforeFirst = m_browser->previousPage(query, current.previous);
        VERIFY_OK(beforeFirst);
        QVERIFY(beforeFirst->messages.empty());
        QVERIFY(beforeFirst->atStart);

        // A page read backwards carries on forwards as well.
        Result<BrowsePage> again = m_browser->nextPage(query, current.next);
        VERIFY_OK(again);
        QCOMPARE(positionsOf(again->messages), positionsOf(pages[1].messages));
    }

    void producingBetweenPagesNeitherRepeatsNorSkips()
    {
        const std::vector<Produced> &before = m_liveBefore;

        // Newest first: the browse keeps to what was there at its first page.
        BrowseQuery query = queryFor(QStringLiteral("live"), BrowseOrder::NewestFirst);
        query.pageSize = 25;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        std::vector<Position> shown = positionsOf(page->messages);
        const std::vector<Produced> arriving = liveMessages(120, 30, kBaseTime + 1'000'000);
        QVERIFY(send(QStringLiteral("live"), arriving) && flush());
        while (!page->atEnd) {
            page = m_browser->nextPage(query, page->next);
            VERIFY_OK(page);
            const std::vector<Position> more = positionsOf(page->messages);
            shown.insert(shown.end(), more.begin(), more.end());
        }
        QCOMPARE(shown, expectedOrder(before, BrowseOrder::NewestFirst));
        // Going back up ends where the browse began, not at the new messages.
        Result<BrowsePage> firstAgain = m_browser->firstPage(query);
        VERIFY_OK(firstAgain);
        QCOMPARE(firstAgain->messages.front().timestampMs, arriving.back().timestampMs);

        // Oldest first: next pages go on into the new messages.
        std::vector<Produced> all = before;
        all.insert(all.end(), arriving.begin(), arriving.end());
        query.order = BrowseOrder::OldestFirst;
        query.start = BrowseStart::Oldest;
        page = m_browser->firstPage(query);
        VERIFY_OK(page);
        shown = positionsOf(page->messages);
        const std::vector<Produced> later = liveMessages(150, 20, kBaseTime + 2'000'000);
        QVERIFY(send(QStringLiteral("live"), later) && flush());
        all.insert(all.end(), later.begin(), later.end());
        while (!page->atEnd) {
            page = m_browser->nextPage(query, page->next);
            VERIFY_OK(page);
            const std::vector<Position> more = positionsOf(page->messages);
            shown.insert(shown.end(), more.begin(), more.end());
        }
        QCOMPARE(shown, expectedOrder(all, BrowseOrder::OldestFirst));
    }

    void oneStartsFromTheEndTheOrderLeadsAwayFrom()
    {
        // Oldest first from the newest end: the last page, ending at the newest message.
        BrowseQuery query = queryFor(QStringLiteral("browse"), BrowseOrder::OldestFirst);
        query.start = BrowseStart::Newest;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        const std::vector<Position> oldestFirst = expectedOrder(m_produced, query.order);
        QCOMPARE(positionsOf(page->messages),
                 std::vector<Position>(oldestFirst.end() - 50, oldestFirst.end()));
        QVERIFY(page->atEnd);
        QVERIFY(!page->atStart);

        query.order = BrowseOrder::NewestFirst;
        query.start = BrowseStart::Oldest;
        page = m_browser->firstPage(query);
        VERIFY_OK(page);
        const std::vector<Position> newestFirst = expectedOrder(m_produced, query.order);
        QCOMPARE(positionsOf(page->messages),
                 std::vector<Position>(newestFirst.end() - 50, newestFirst.end()));
        QVERIFY(page->atEnd);
    }

    void onePartitionFromAnOffset()
    {
        BrowseQuery query = queryFor(QStringLiteral("browse"), BrowseOrder::OldestFirst);
        query.partition = 1;
        query.start = BrowseStart::Offset;
        query.startOffset = 100;
        query.pageSize = 20;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        QCOMPARE(page->messages.size(), std::size_t(20));
        for (std::size_t k = 0; k < page->messages.size(); ++k) {
            QCOMPARE(page->messages[k].partition, 1);
            QCOMPARE(page->messages[k].offset, std::int64_t(100 + k));
        }
        Result<BrowsePage> before = m_browser->previousPage(query, page->previous);
        VERIFY_OK(before);
        QCOMPARE(before->messages.front().offset, 80);
        QCOMPARE(before->messages.back().offset, 99);

        // Newest first from the same offset: it, then older ones; back goes to newer ones.
        query.order = BrowseOrder::NewestFirst;
        page = m_browser->firstPage(query);
        VERIFY_OK(page);
        QCOMPARE(page->messages.front().offset, 100);
        QCOMPARE(page->messages.back().offset, 81);
        QVERIFY(!page->atStart);
        before = m_browser->previousPage(query, page->previous);
        VERIFY_OK(before);
        QCOMPARE(before->messages.front().offset, 120);
        QCOMPARE(before->messages.back().offset, 101);

        // Past the end: nothing after it, but pages before.
        query.order = BrowseOrder::OldestFirst;
        query.startOffset = 1'000'000;
        page = m_browser->firstPage(query);
        VERIFY_OK(page);
        QVERIFY(page->messages.empty());
        QVERIFY(page->atEnd);
        QVERIFY(!page->atStart);
    }

    void fromATimestamp_data()
    {
        QTest::addColumn<BrowseOrder>("order");
        QTest::addColumn<std::int64_t>("time");
        const std::int64_t middle = kBaseTime + 250 * 10; // messages 500 and 501
        QTest::newRow("oldest first, exact") << BrowseOrder::OldestFirst << middle;
        QTest::newRow("oldest first, between") << BrowseOrder::OldestFirst << middle + 5;
        QTest::newRow("newest first, exact") << BrowseOrder::NewestFirst << middle;
        QTest::newRow("newest first, between") << BrowseOrder::NewestFirst << middle + 5;
        QTest::newRow("oldest first, before all") << BrowseOrder::OldestFirst << kBaseTime - 1;
        QTest::newRow("newest first, after all")
            << BrowseOrder::NewestFirst << kBaseTime + 10'000'000;
    }

    void fromATimestamp()
    {
        QFETCH(BrowseOrder, order);
        QFETCH(std::int64_t, time);
        BrowseQuery query = queryFor(QStringLiteral("browse"), order);
        query.start = BrowseStart::Timestamp;
        query.startTimestampMs = time;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);

        // The expected sequence, cut where the time falls.
        const std::vector<Position> all = expectedOrder(m_produced, order);
        std::size_t first = 0;
        while (first < all.size()) {
            const std::int64_t stamp = producedAt(all[first].first, all[first].second).timestampMs;
            if (order == BrowseOrder::OldestFirst ? stamp >= time : stamp <= time)
                break;
            ++first;
        }
        const std::size_t last = std::min(first + 50, all.size());
        QCOMPARE(positionsOf(page->messages),
                 std::vector<Position>(all.begin() + std::ptrdiff_t(first),
                                       all.begin() + std::ptrdiff_t(last)));
        QCOMPARE(page->atStart, first == 0);

        if (first > 0) {
            Result<BrowsePage> before = m_browser->previousPage(query, page->previous);
            VERIFY_OK(before);
            const std::size_t from = first >= 50 ? first - 50 : 0;
            QCOMPARE(positionsOf(before->messages),
                     std::vector<Position>(all.begin() + std::ptrdiff_t(from),
                                           all.begin() + std::ptrdiff_t(first)));
        }
    }

    void anEmptyTopicHasOneEmptyPage_data()
    {
        QTest::addColumn<BrowseOrder>("order");
        QTest::addColumn<BrowseStart>("start");
        QTest::newRow("newest first") << BrowseOrder::NewestFirst << BrowseStart::Newest;
        QTest::newRow("oldest first") << BrowseOrder::OldestFirst << BrowseStart::Oldest;
        QTest::newRow("timestamp") << BrowseOrder::OldestFirst << BrowseStart::Timestamp;
    }

    void anEmptyTopicHasOneEmptyPage()
    {
        QFETCH(BrowseOrder, order);
        QFETCH(BrowseStart, start);
        BrowseQuery query = queryFor(QStringLiteral("empty"), order);
        query.start = start;
        query.startTimestampMs = kBaseTime;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        QVERIFY(page->messages.empty());
        QVERIFY(page->atStart);
        QVERIFY(page->atEnd);
        QCOMPARE(page->scanned, 0);
        Result<BrowsePage> next = m_browser->nextPage(query, page->next);
        VERIFY_OK(next);
        QVERIFY(next->messages.empty());
        QVERIFY(next->atEnd);
    }

    void filtersShowExactlyTheMatchingMessages_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<std::function<bool(int)>>("expected");

        QTest::newRow("text, any case")
            << "BLUE SHIRT"
            << std::function<bool(int)>([](int i) { return isJson(i) && i % 4 == 0; });
        QTest::newRow("text in key")
            << "key-99" << std::function<bool(int)>([](int i) { return i == 99 || (i >= 990); });
        QTest::newRow("text in non-JSON values")
            << "plain text" << std::function<bool(int)>([](int i) { return isPlainText(i); });
        QTest::newRow("==") << "label == 3" << std::function<bool(int)>([](int i) {
            return isJson(i) && i % 10 == 3;
        });
        QTest::newRow("!= (only JSON values)")
            << "label != 3"
            << std::function<bool(int)>([](int i) { return isJson(i) && i % 10 != 3; });
        QTest::newRow("<") << "n < 20"
                           << std::function<bool(int)>([](int i) { return isJson(i) && i < 20; });
        QTest::newRow("<=") << "n <= 20"
                            << std::function<bool(int)>([](int i) { return isJson(i) && i <= 20; });
        QTest::newRow(">") << "n > 980"
                           << std::function<bool(int)>([](int i) { return isJson(i) && i > 980; });
        QTest::newRow(">= decimal")
            << "score >= 0.95"
            << std::function<bool(int)>([](int i) { return isJson(i) && i % 100 >= 95; });
        QTest::newRow("contains") << R"(name contains "shirt #1")"
                                  << std::function<bool(int)>([](int i) {
                                         return isJson(i) && i % 4 == 0
                                                && QByteArray::number(i).startsWith('1');
                                     });
        QTest::newRow("nested path")
            << R"(meta.source == "sim")"
            << std::function<bool(int)>([](int i) { return isJson(i) && i % 3 == 0; });
        QTest::newRow("missing field")
            << "missing != null" << std::function<bool(int)>([](int) { return false; });
    }

    void filtersShowExactlyTheMatchingMessages()
    {
        QFETCH(QString, filter);
        QFETCH(std::function<bool(int)>, expected);
        const Result<MessageFilter> parsed = MessageFilter::parse(filter);
        VERIFY_OK(parsed);

        for (const BrowseOrder order : {BrowseOrder::OldestFirst, BrowseOrder::NewestFirst}) {
            BrowseQuery query = queryFor(QStringLiteral("browse"), order);
            query.filter = parsed.value();
            std::vector<BrowsePage> pages;
            QVERIFY(readAll(query, pages));
            std::vector<Position> shown;
            std::int64_t scanned = 0;
            for (const BrowsePage &page : pages) {
                scanned += page.scanned;
                const std::vector<Position> more = positionsOf(page.messages);
                shown.insert(shown.end(), more.begin(), more.end());
            }
            std::vector<Produced> matching;
            std::copy_if(m_produced.begin(), m_produced.end(), std::back_inserter(matching),
                         [&](const Produced &message) { return expected(message.index); });
            QCOMPARE(shown, expectedOrder(matching, order));
            QCOMPARE(scanned, std::int64_t(m_produced.size()));
        }
    }

    void largeMessagesAreReadInBoundedChunks_data()
    {
        QTest::addColumn<BrowseOrder>("order");
        QTest::newRow("newest first") << BrowseOrder::NewestFirst;
        QTest::newRow("oldest first") << BrowseOrder::OldestFirst;
    }

    void largeMessagesAreReadInBoundedChunks()
    {
        // A page's first read of a partition would hold 16 messages of 700 KiB, more than the
        // 8 MiB a partition's read may hold: reads stop early, or (backwards) keep the newest.
        QFETCH(BrowseOrder, order);
        BrowseQuery query = queryFor(QStringLiteral("large"), order);
        query.pageSize = 15;
        std::vector<BrowsePage> pages;
        QVERIFY(readAll(query, pages));
        QCOMPARE(pages.size(), std::size_t(2));
        std::vector<BrowsedMessage> shown = pages[0].messages;
        shown.insert(shown.end(), pages[1].messages.begin(), pages[1].messages.end());
        QCOMPARE(positionsOf(shown), expectedOrder(m_large, order));
        for (const BrowsedMessage &message : shown)
            QCOMPARE(message.value, m_large[std::size_t(message.offset)].value);
    }

    void badFilterTextIsReported()
    {
        const Result<MessageFilter> parsed = MessageFilter::parse(QStringLiteral("label = 3"));
        VERIFY_FAILS(parsed, QString::fromLatin1(errorcode::kInvalidArgument));
        QVERIFY2(parsed.errorMessage().contains(QLatin1String("column 7")),
                 qPrintable(parsed.errorMessage()));
    }

    void theScanLimitStopsAPageAndTheNextGoesOn_data()
    {
        QTest::addColumn<BrowseOrder>("order");
        QTest::newRow("newest first") << BrowseOrder::NewestFirst;
        QTest::newRow("oldest first") << BrowseOrder::OldestFirst;
    }

    void theScanLimitStopsAPageAndTheNextGoesOn()
    {
        QFETCH(BrowseOrder, order);
        BrowseQuery query = queryFor(QStringLiteral("browse"), order);
        query.filter = MessageFilter::parse(QStringLiteral("n == 900")).value();
        query.scanLimit = 150;

        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        std::int64_t scanned = 0;
        int pages = 0;
        std::vector<Position> shown;
        while (true) {
            ++pages;
            scanned += page->scanned;
            QVERIFY(page->scanned <= 150);
            const std::vector<Position> more = positionsOf(page->messages);
            shown.insert(shown.end(), more.begin(), more.end());
            QCOMPARE(page->scanLimitReached, !page->atEnd);
            if (page->atEnd)
                break;
            QCOMPARE(page->scanned, 150);
            page = m_browser->nextPage(query, page->next);
            VERIFY_OK(page);
        }
        // Every message examined exactly once over the pages, and the one match found.
        QCOMPARE(scanned, std::int64_t(m_produced.size()));
        QCOMPARE(pages, 7);
        QCOMPARE(shown.size(), std::size_t(1));
        const Produced &match = producedAt(shown[0].first, shown[0].second);
        QCOMPARE(match.index, 900);

        // Backwards, the limit holds too and the cursor continues the scan.
        Result<BrowsePage> back = m_browser->previousPage(query, page->previous);
        VERIFY_OK(back);
        QCOMPARE(back->scanned, 150);
        QVERIFY(back->scanLimitReached);
    }

    void badRequestsAreRefused()
    {
        BrowseQuery query = queryFor(QStringLiteral("no-such-topic"), BrowseOrder::NewestFirst);
        VERIFY_FAILS(m_browser->firstPage(query), QString::fromLatin1(errorcode::kNotFound));

        query.topic = QStringLiteral("browse");
        query.partition = 7;
        VERIFY_FAILS(m_browser->firstPage(query), QString::fromLatin1(errorcode::kNotFound));

        query.partition.reset();
        query.start = BrowseStart::Offset;
        VERIFY_FAILS(m_browser->firstPage(query), QString::fromLatin1(errorcode::kInvalidArgument));

        query.start = BrowseStart::Newest;
        query.pageSize = 0;
        VERIFY_FAILS(m_browser->firstPage(query), QString::fromLatin1(errorcode::kInvalidArgument));

        // A cursor only continues the browse it came from.
        query.pageSize = 10;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        BrowseQuery other = query;
        other.topic = QStringLiteral("live");
        VERIFY_FAILS(m_browser->nextPage(other, page->next),
                     QString::fromLatin1(errorcode::kInvalidArgument));
        other = query;
        other.order = BrowseOrder::OldestFirst;
        VERIFY_FAILS(m_browser->previousPage(other, page->previous),
                     QString::fromLatin1(errorcode::kInvalidArgument));
        VERIFY_FAILS(m_browser->nextPage(query, BrowseCursor()),
                     QString::fromLatin1(errorcode::kInvalidArgument));
    }

    void aCancelledBrowseStops()
    {
        millrace::CancellationSource source;
        source.cancel();
        BrowseQuery query = queryFor(QStringLiteral("browse"), BrowseOrder::NewestFirst);
        VERIFY_FAILS(m_browser->firstPage(query, source.token()),
                     QString::fromLatin1(errorcode::kCancelled));
        query.start = BrowseStart::Timestamp;
        query.startTimestampMs = kBaseTime + 100;
        VERIFY_FAILS(m_browser->firstPage(query, source.token()),
                     QString::fromLatin1(errorcode::kCancelled));
        // The browser is still usable afterwards.
        query.start = BrowseStart::Newest;
        VERIFY_OK(m_browser->firstPage(query));
    }

    void exportsReadBack_data()
    {
        QTest::addColumn<ExportFormat>("format");
        QTest::newRow("json") << ExportFormat::Json;
        QTest::newRow("csv") << ExportFormat::Csv;
    }

    void exportsReadBack()
    {
        QFETCH(ExportFormat, format);
        // Real messages (JSON, text, binary) and awkward ones.
        BrowseQuery query = queryFor(QStringLiteral("browse"), BrowseOrder::OldestFirst);
        query.pageSize = 41;
        Result<BrowsePage> page = m_browser->firstPage(query);
        VERIFY_OK(page);
        std::vector<BrowsedMessage> messages = page->messages;
        BrowsedMessage awkward;
        awkward.topic = QStringLiteral("odd, \"topic\"");
        awkward.partition = 2;
        awkward.offset = 17;
        awkward.timestampMs = kBaseTime + 123;
        awkward.key = "a,b";
        awkward.value = "line one\r\nline \"two\", with commas\nand a tab\t";
        awkward.headers = {{"h", "x"}, {"bin", QByteArray("\xff\x00", 2)}, {"none", QByteArray()}};
        messages.push_back(awkward);
        BrowsedMessage tombstone;
        tombstone.topic = QStringLiteral("t");
        tombstone.key = "base64:not really";
        messages.push_back(tombstone);
        BrowsedMessage big;
        big.topic = QStringLiteral("t");
        big.timestampMs = kBaseTime;
        big.value = R"({"id": 12345678901234567890, "x": [1, 2.50]})";
        messages.push_back(big);

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("export"));
        QFile stale(path);
        QVERIFY(stale.open(QIODevice::WriteOnly));
        stale.write("old content");
        stale.close();
        VERIFY_OK(exportMessages(messages, path, format));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray written = file.readAll();
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("export")});

        if (format == ExportFormat::Json) {
            QJsonParseError error;
            const QJsonArray array = QJsonDocument::fromJson(written, &error).array();
            QCOMPARE(error.error, QJsonParseError::NoError);
            QCOMPARE(array.size(), qsizetype(messages.size()));
            for (qsizetype k = 0; k < array.size(); ++k) {
                const QJsonObject object = array.at(k).toObject();
                const BrowsedMessage &message = messages[std::size_t(k)];
                QCOMPARE(object.value(QLatin1String("topic")).toString(), message.topic);
                QCOMPARE(object.value(QLatin1String("partition")).toInt(), message.partition);
                QCOMPARE(object.value(QLatin1String("offset")).toInteger(), message.offset);
                QCOMPARE(object.value(QLatin1String("timestamp")).toInteger(), message.timestampMs);
                QCOMPARE(fromJsonPayload(object, QStringLiteral("key")), message.key);
                const QString encoding = object.value(QLatin1String("valueEncoding")).toString();
                if (encoding == QLatin1String("json")) {
                    QVERIFY(object.value(QLatin1String("value")).isObject());
                    QCOMPARE(fromJsonPayload(object, QStringLiteral("value")),
                             QJsonDocument::fromJson(message.value).toJson(QJsonDocument::Compact));
                } else {
                    QCOMPARE(fromJsonPayload(object, QStringLiteral("value")), message.value);
                }
                const QJsonArray headers = object.value(QLatin1String("headers")).toArray();
                QCOMPARE(headers.size(), qsizetype(message.headers.size()));
                for (qsizetype h = 0; h < headers.size(); ++h) {
                    const QJsonObject header = headers.at(h).toObject();
                    QCOMPARE(header.value(QLatin1String("key")).toString().toUtf8(),
                             message.headers[std::size_t(h)].first);
                    QCOMPARE(fromJsonPayload(header, QStringLiteral("value")),
                             message.headers[std::size_t(h)].second);
                }
            }
            // Which encoding each kind of value got, and numbers kept digit for digit.
            QCOMPARE(array.at(0).toObject().value(QLatin1String("valueEncoding")).toString(),
                     QStringLiteral("json"));
            QVERIFY(written.contains(R"("id": 12345678901234567890)"));
            QVERIFY(array.last().toObject().value(QLatin1String("key")).isNull());
        } else {
            const std::vector<QStringList> rows = readCsv(QString::fromUtf8(written));
            QCOMPARE(rows.size(), messages.size() + 1);
            QCOMPARE(rows[0],
                     QStringList({"topic", "partition", "offset", "timestamp", "key", "value"}));
            for (std::size_t k = 0; k < messages.size(); ++k) {
                const QStringList &row = rows[k + 1];
                const BrowsedMessage &message = messages[k];
                QCOMPARE(row.size(), 6);
                QCOMPARE(row[0], message.topic);
                QCOMPARE(row[1].toInt(), message.partition);
                QCOMPARE(row[2].toLongLong(), message.offset);
                if (message.timestampMs >= 0)
                    QCOMPARE(QDateTime::fromString(row[3], Qt::ISODateWithMs).toMSecsSinceEpoch(),
                             message.timestampMs);
                else
                    QVERIFY(row[3].isEmpty());
                QCOMPARE(fromCsvPayload(row[4]), message.key.isNull() ? QByteArray() : message.key);
                QCOMPARE(fromCsvPayload(row[5]), message.value);
            }
            QVERIFY(written.contains("\"line one\r\nline \"\"two\"\", with commas\nand a tab\t\""));
            QCOMPARE(rows[1][3], QStringLiteral("2023-11-14T22:13:20.000Z"));
        }
    }

    void aFailedExportLeavesNothing()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("missing-folder/export.json"));
        const Result<void> written = exportMessages({}, path, ExportFormat::Json);
        QVERIFY(!written);
        QVERIFY(written.errorMessage().contains(QLatin1String("export.json")));
        QVERIFY(!QFile::exists(path));
    }

    void payloadsRender()
    {
        const QByteArray json =
            R"( {"id": 12345678901234567890, "tags": [], "o": {"a": [1, "x,y"]}})";
        QCOMPARE(renderPayload(json, PayloadEncoding::Auto),
                 QStringLiteral("{\n  \"id\": 12345678901234567890,\n  \"tags\": [],\n  \"o\": {\n"
                                "    \"a\": [\n      1,\n      \"x,y\"\n    ]\n  }\n}"));
        QCOMPARE(renderPayload(json, PayloadEncoding::Json, JsonLayout::Compact),
                 QStringLiteral(R"({"id":12345678901234567890,"tags":[],"o":{"a":[1,"x,y"]}})"));
        QCOMPARE(renderPayload(json, PayloadEncoding::Text), QString::fromUtf8(json));
        QCOMPARE(detectEncoding(json), PayloadEncoding::Json);

        const QByteArray text = QStringLiteral("Grüße\tan alle\n").toUtf8();
        QCOMPARE(detectEncoding(text), PayloadEncoding::Text);
        QCOMPARE(renderPayload(text, PayloadEncoding::Auto), QStringLiteral("Grüße\tan alle\n"));
        QCOMPARE(detectEncoding("42"), PayloadEncoding::Text);
        QCOMPARE(detectEncoding("{broken"), PayloadEncoding::Text);

        const QByteArray binary("Hello\x00\x01\xff world, binary!", 23);
        QCOMPARE(detectEncoding(binary), PayloadEncoding::Hex);
        const QString dump = renderPayload(binary, PayloadEncoding::Auto);
        QCOMPARE(dump, renderPayload(binary, PayloadEncoding::Hex));
        QCOMPARE(dump, QStringLiteral("00000000  48 65 6c 6c 6f 00 01 ff  20 77 6f 72 6c 64 2c 20  "
                                      "|Hello... world, |\n"
                                      "00000010  62 69 6e 61 72 79 21                              "
                                      "|binary!|\n"));
        QCOMPARE(renderPayload("hi", PayloadEncoding::Hex),
                 QStringLiteral("00000000  68 69                                             "
                                "|hi|\n"));

        const QString notJson = renderPayload("plain words", PayloadEncoding::Json);
        QVERIFY2(notJson.startsWith(QLatin1String("not JSON (")), qPrintable(notJson));
        QVERIFY(notJson.endsWith(QLatin1String("):\nplain words")));
        QCOMPARE(renderPayload(QByteArray(), PayloadEncoding::Auto), QString());
        QCOMPARE(renderPayload(QByteArray(""), PayloadEncoding::Auto), QString());
    }

    void cleanupTestCase()
    {
        qInfo("whole test: %lld ms", m_clock.elapsed());
        m_browser.reset();
        m_producer.reset();
        m_broker.reset();
    }

private:
    BrowseQuery queryFor(const QString &topic, BrowseOrder order) const
    {
        BrowseQuery query;
        query.topic = topic;
        query.order = order;
        query.start = order == BrowseOrder::NewestFirst ? BrowseStart::Newest : BrowseStart::Oldest;
        return query;
    }

    bool send(const QString &topic, const std::vector<Produced> &messages)
    {
        for (const Produced &message : messages) {
            OutgoingMessage outgoing;
            outgoing.partition = message.partition;
            outgoing.key = message.key;
            outgoing.value = message.value;
            outgoing.timestampMs = message.timestampMs;
            outgoing.headers.emplace_back("index", QByteArray::number(message.index));
            if (!m_producer->send(topic, outgoing))
                return false;
        }
        return true;
    }

    bool flush()
    {
        const Result<ProduceSummary> summary = m_producer->flush(10s);
        return summary && summary->failed == 0;
    }

    // Messages for the "live" topic, continuing its offsets.
    std::vector<Produced> liveMessages(int from, int count, std::int64_t time)
    {
        std::vector<Produced> messages;
        for (int i = from; i < from + count; ++i) {
            Produced message;
            message.index = i;
            message.partition = i % 3;
            message.offset = m_liveOffsets[std::size_t(message.partition)]++;
            message.timestampMs = time + i * 10;
            message.key = "live-" + QByteArray::number(i);
            message.value = valueFor(i);
            messages.push_back(message);
        }
        return messages;
    }

    const Produced &producedAt(std::int32_t partition, std::int64_t offset) const
    {
        const auto found = std::find_if(m_produced.begin(), m_produced.end(), [&](const auto &m) {
            return m.partition == partition && m.offset == offset;
        });
        Q_ASSERT(found != m_produced.end());
        return *found;
    }

    // Every page of `query`, first to last.
    bool readAll(const BrowseQuery &query, std::vector<BrowsePage> &pages)
    {
        Result<BrowsePage> page = m_browser->firstPage(query);
        while (page) {
            const bool last = page->atEnd;
            pages.push_back(page.value());
            if (last)
                return true;
            if (pages.size() > 1000) {
                qWarning("paging does not end");
                return false;
            }
            page = m_browser->nextPage(query, pages.back().next);
        }
        qWarning("%s", qPrintable(page.errorMessage()));
        return false;
    }

    QElapsedTimer m_clock;
    std::shared_ptr<EmbeddedBroker> m_broker;
    std::unique_ptr<MessageProducer> m_producer;
    std::unique_ptr<MessageBrowser> m_browser;
    std::vector<Produced> m_produced;
    std::vector<Produced> m_liveBefore;
    std::vector<Produced> m_large;
    std::array<std::int64_t, 3> m_liveOffsets{};
};

QTEST_GUILESS_MAIN(TestMessageBrowser)
#include "tst_messagebrowser.moc"

#include "core/base/logbus.h"

#include <QLoggingCategory>
#include <QSet>
#include <QTest>
#include <QThread>

#include <thread>
#include <vector>

using namespace millrace;
using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcTest, "millrace.test", QtInfoMsg)

namespace {

struct Received
{
    QList<LogEntry> entries;
    QList<QThread *> threads;
};

// Collects the bus's entries of category millrace.test, and the thread each arrived on.
void collect(LogBus &bus, QObject *context, Received &received)
{
    QObject::connect(&bus, &LogBus::entryLogged, context, [&received](const LogEntry &entry) {
        if (entry.category != u"millrace.test"_s)
            return;
        received.entries.append(entry);
        received.threads.append(QThread::currentThread());
    });
}

QStringList messagesOf(const QList<LogEntry> &entries)
{
    QStringList messages;
    for (const LogEntry &entry : entries) {
        if (entry.category == u"millrace.test"_s)
            messages.append(entry.message);
    }
    return messages;
}

} // namespace

class TestLogBus : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void entryCarriesLevelCategoryAndText_data();
    void entryCarriesLevelCategoryAndText();
    void messagesFromManyThreadsArriveOnTheBusThread();
    void backlogKeepsTheNewestUpToCapacity();
    void aNewBusWorksAfterTheOldOneIsGone();
};

void TestLogBus::entryCarriesLevelCategoryAndText_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("text");

    QTest::newRow("info") << int(QtInfoMsg) << u"workspace opened"_s;
    QTest::newRow("warning") << int(QtWarningMsg) << u"disk almost full"_s;
    QTest::newRow("critical") << int(QtCriticalMsg) << u"broker unreachable"_s;
}

void TestLogBus::entryCarriesLevelCategoryAndText()
{
    QFETCH(int, type);
    QFETCH(QString, text);

    LogBus bus;
    Received received;
    collect(bus, this, received);
    const QDateTime before = QDateTime::currentDateTime();
    switch (QtMsgType(type)) {
    case QtInfoMsg:
        qCInfo(lcTest).noquote() << text;
        break;
    case QtWarningMsg:
        qCWarning(lcTest).noquote() << text;
        break;
    default:
        qCCritical(lcTest).noquote() << text;
        break;
    }
    QTRY_COMPARE(received.entries.size(), 1);
    const LogEntry entry = received.entries.constFirst();
    QCOMPARE(int(entry.type), type);
    QCOMPARE(entry.category, u"millrace.test"_s);
    QCOMPARE(entry.message, text);
    QVERIFY(entry.time >= before && entry.time <= QDateTime::currentDateTime());
    QCOMPARE(messagesOf(bus.backlog()), QStringList{text});
}

void TestLogBus::messagesFromManyThreadsArriveOnTheBusThread()
{
    constexpr int kThreads = 3;
    constexpr int kPerThread = 20;
    LogBus bus;
    Received received;
    collect(bus, this, received);

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t] {
            for (int i = 0; i < kPerThread; ++i)
                qCInfo(lcTest, "thread %d message %d", t, i);
        });
    }
    for (std::thread &thread : threads)
        thread.join();

    QTRY_COMPARE(received.entries.size(), kThreads * kPerThread);
    for (QThread *thread : std::as_const(received.threads))
        QCOMPARE(thread, QThread::currentThread());

    QSet<QString> expected;
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kPerThread; ++i)
            expected.insert(u"thread %1 message %2"_s.arg(t).arg(i));
    }
    const QStringList messages = messagesOf(received.entries);
    QCOMPARE(QSet<QString>(messages.begin(), messages.end()), expected);

    // Each thread's messages keep their order, and sequence numbers follow logging order.
    for (int t = 0; t < kThreads; ++t) {
        const QString prefix = u"thread %1 "_s.arg(t);
        int next = 0;
        quint64 lastSequence = 0;
        for (const LogEntry &entry : std::as_const(received.entries)) {
            if (!entry.message.startsWith(prefix))
                continue;
            QCOMPARE(entry.message, prefix + u"message %1"_s.arg(next++));
            QVERIFY(entry.sequence > lastSequence);
            lastSequence = entry.sequence;
        }
    }
    const QList<LogEntry> backlog = bus.backlog();
    for (qsizetype i = 1; i < backlog.size(); ++i)
        QCOMPARE(backlog.at(i).sequence, backlog.at(i - 1).sequence + 1);
}

void TestLogBus::backlogKeepsTheNewestUpToCapacity()
{
    LogBus bus(5);
    Received received;
    collect(bus, this, received);
    for (int i = 0; i < 12; ++i)
        qCInfo(lcTest, "start-up message %d", i);

    // A view opened now sees the five newest; live subscribers still got all twelve.
    const QList<LogEntry> backlog = bus.backlog();
    QCOMPARE(backlog.size(), 5);
    QCOMPARE(messagesOf(backlog),
             QStringList({u"start-up message 7"_s, u"start-up message 8"_s, u"start-up message 9"_s,
                          u"start-up message 10"_s, u"start-up message 11"_s}));
    for (qsizetype i = 1; i < backlog.size(); ++i)
        QCOMPARE(backlog.at(i).sequence, backlog.at(i - 1).sequence + 1);
    QCOMPARE(backlog.constLast().sequence, quint64(12));
    QTRY_COMPARE(received.entries.size(), 12);
}

void TestLogBus::aNewBusWorksAfterTheOldOneIsGone()
{
    {
        LogBus first;
        qCInfo(lcTest, "to the first bus");
        QCOMPARE(messagesOf(first.backlog()), QStringList{u"to the first bus"_s});
    }
    qCInfo(lcTest, "while no bus is installed");
    LogBus second;
    Received received;
    collect(second, this, received);
    qCInfo(lcTest, "to the second bus");
    QCOMPARE(messagesOf(second.backlog()), QStringList{u"to the second bus"_s});
    QCOMPARE(second.backlog().constFirst().sequence, quint64(1));
    QTRY_COMPARE(messagesOf(received.entries), QStringList{u"to the second bus"_s});
}

QTEST_GUILESS_MAIN(TestLogBus)

#include "tst_logbus.moc"

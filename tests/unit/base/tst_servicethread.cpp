#include "core/base/servicethread.h"

#include <QMutex>
#include <QMutexLocker>
#include <QTest>
#include <QThread>

#include <memory>
#include <stdexcept>

using namespace millrace;
using namespace Qt::StringLiterals;

namespace {

// What a service did and on which thread; outlives the service, which its thread deletes.
struct Journal
{
    void note(const QString &event)
    {
        QMutexLocker lock(&mutex);
        events.append(event);
        threads.append(QThread::currentThread());
    }
    QStringList eventList() const
    {
        QMutexLocker lock(&mutex);
        return events;
    }
    QThread *threadOf(const QString &event) const
    {
        QMutexLocker lock(&mutex);
        const qsizetype i = events.indexOf(event);
        return i < 0 ? nullptr : threads.at(i);
    }

    mutable QMutex mutex;
    QStringList events;
    QList<QThread *> threads;
};

enum class Failure { None, StdException, OtherException };

class RecordingService : public Service
{
    Q_OBJECT
public:
    RecordingService(std::shared_ptr<Journal> journal, Failure failStart = Failure::None,
                     Failure failStop = Failure::None)
        : m_journal(std::move(journal)), m_failStart(failStart), m_failStop(failStop)
    {
    }
    ~RecordingService() override { m_journal->note(u"destroyed"_s); }

    void start() override
    {
        m_journal->note(u"start"_s);
        fail(m_failStart, "port 8080 is taken");
    }
    void stop() override
    {
        m_journal->note(u"stop"_s);
        fail(m_failStop, "could not flush");
    }
    void work() { m_journal->note(u"work"_s); }

private:
    static void fail(Failure failure, const char *what)
    {
        if (failure == Failure::StdException)
            throw std::runtime_error(what);
        if (failure == Failure::OtherException)
            throw 7;
    }

    std::shared_ptr<Journal> m_journal;
    Failure m_failStart;
    Failure m_failStop;
};

} // namespace

Q_DECLARE_METATYPE(Failure)

class TestServiceThread : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void startAndStopRunOnTheServiceThread();
    void stopRunsAfterQueuedWork();
    void stopTwiceIsHarmless();
    void exceptionFromStartBecomesFailed_data();
    void exceptionFromStartBecomesFailed();
    void exceptionFromStopBecomesFailed();
    void neverStartedServiceIsDeleted();
    void destructorStopsARunningService();
};

void TestServiceThread::startAndStopRunOnTheServiceThread()
{
    auto journal = std::make_shared<Journal>();
    ServiceThread thread(new RecordingService(journal), u"recording"_s);
    QVERIFY(!thread.isRunning());
    QCOMPARE(thread.service()->objectName(), u"recording"_s);

    thread.start();
    QTRY_COMPARE(journal->eventList(), QStringList{u"start"_s});
    QVERIFY(thread.isRunning());
    QThread *serviceThread = journal->threadOf(u"start"_s);
    QVERIFY(serviceThread != QThread::currentThread());
    QCOMPARE(serviceThread->objectName(), u"recording"_s);
    QCOMPARE(thread.service()->thread(), serviceThread);

    thread.stop();
    QVERIFY(!thread.isRunning());
    QCOMPARE(journal->eventList(), QStringList({u"start"_s, u"stop"_s, u"destroyed"_s}));
    QCOMPARE(journal->threadOf(u"stop"_s), serviceThread);
    QCOMPARE(journal->threadOf(u"destroyed"_s), serviceThread);
    QVERIFY(!thread.service());
}

void TestServiceThread::stopRunsAfterQueuedWork()
{
    auto journal = std::make_shared<Journal>();
    auto *service = new RecordingService(journal);
    ServiceThread thread(service, u"queued"_s);
    thread.start();
    QMetaObject::invokeMethod(service, &RecordingService::work, Qt::QueuedConnection);
    QMetaObject::invokeMethod(service, &RecordingService::work, Qt::QueuedConnection);
    thread.stop();
    QCOMPARE(journal->eventList(),
             QStringList({u"start"_s, u"work"_s, u"work"_s, u"stop"_s, u"destroyed"_s}));
}

void TestServiceThread::stopTwiceIsHarmless()
{
    auto journal = std::make_shared<Journal>();
    ServiceThread thread(new RecordingService(journal), u"twice"_s);
    thread.start();
    thread.stop();
    thread.stop();
    QVERIFY(!thread.isRunning());
    QCOMPARE(journal->eventList().count(u"stop"_s), 1);
    QCOMPARE(journal->eventList().count(u"destroyed"_s), 1);
}

void TestServiceThread::exceptionFromStartBecomesFailed_data()
{
    QTest::addColumn<Failure>("failure");
    QTest::addColumn<QString>("message");

    QTest::newRow("std::runtime_error")
        << Failure::StdException << u"flaky start failed: port 8080 is taken"_s;
    QTest::newRow("int") << Failure::OtherException << u"flaky start failed: unknown exception"_s;
}

void TestServiceThread::exceptionFromStartBecomesFailed()
{
    QFETCH(Failure, failure);
    QFETCH(QString, message);

    auto journal = std::make_shared<Journal>();
    auto *service = new RecordingService(journal, failure);
    ServiceThread thread(service, u"flaky"_s);
    QStringList failures;
    QList<QThread *> receivedOn;
    connect(service, &Service::failed, this, [&](const QString &text) {
        failures.append(text);
        receivedOn.append(QThread::currentThread());
    });
    thread.start();
    QTRY_COMPARE(failures, QStringList{message});
    QCOMPARE(receivedOn.constFirst(), QThread::currentThread());

    // The thread survives the failed start and still shuts down in order.
    QVERIFY(thread.isRunning());
    thread.stop();
    QVERIFY(!thread.isRunning());
    QCOMPARE(journal->eventList(), QStringList({u"start"_s, u"stop"_s, u"destroyed"_s}));
}

void TestServiceThread::exceptionFromStopBecomesFailed()
{
    auto journal = std::make_shared<Journal>();
    auto *service = new RecordingService(journal, Failure::None, Failure::StdException);
    ServiceThread thread(service, u"sticky"_s);
    QStringList failures;
    connect(service, &Service::failed, this, [&](const QString &text) { failures.append(text); });
    thread.start();
    thread.stop();
    QVERIFY(!thread.isRunning());
    // The service is still deleted and the failure still reaches the owner.
    QCOMPARE(journal->eventList(), QStringList({u"start"_s, u"stop"_s, u"destroyed"_s}));
    QTRY_COMPARE(failures, QStringList{u"sticky stop failed: could not flush"_s});
}

void TestServiceThread::neverStartedServiceIsDeleted()
{
    auto journal = std::make_shared<Journal>();
    {
        ServiceThread thread(new RecordingService(journal), u"idle"_s);
        thread.stop();
    }
    QCOMPARE(journal->eventList(), QStringList{u"destroyed"_s});
}

void TestServiceThread::destructorStopsARunningService()
{
    auto journal = std::make_shared<Journal>();
    QThread *serviceThread = nullptr;
    {
        ServiceThread thread(new RecordingService(journal), u"scoped"_s);
        thread.start();
        QTRY_VERIFY(journal->threadOf(u"start"_s));
        serviceThread = journal->threadOf(u"start"_s);
    }
    QCOMPARE(journal->eventList(), QStringList({u"start"_s, u"stop"_s, u"destroyed"_s}));
    QCOMPARE(journal->threadOf(u"stop"_s), serviceThread);
}

QTEST_GUILESS_MAIN(TestServiceThread)

#include "tst_servicethread.moc"

#include "core/base/job.h"

#include <QPointer>
#include <QSemaphore>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <atomic>
#include <memory>
#include <stdexcept>

using namespace millrace;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(std::function<void()>)

namespace {

// Everything a Job emitted, in order, as seen on the receiving thread.
struct Emissions
{
    QStringList signalNames;
    QVariant value;
    QString error;
    QList<double> progress;
    QStringList progressTexts;
    QList<QThread *> threads;
};

void record(Job *job, QObject *context, Emissions &emissions)
{
    auto note = [&emissions](const QString &name) {
        emissions.signalNames.append(name);
        emissions.threads.append(QThread::currentThread());
    };
    QObject::connect(job, &Job::succeeded, context, [note, &emissions](const QVariant &value) {
        emissions.value = value;
        note(u"succeeded"_s);
    });
    QObject::connect(job, &Job::failed, context, [note, &emissions](const QString &message) {
        emissions.error = message;
        note(u"failed"_s);
    });
    QObject::connect(job, &Job::cancelled, context, [note] { note(u"cancelled"_s); });
    QObject::connect(job, &Job::finished, context, [note] { note(u"finished"_s); });
    QObject::connect(job, &Job::progressChanged, context,
                     [&emissions](double fraction, const QString &text) {
                         emissions.progress.append(fraction);
                         emissions.progressTexts.append(text);
                         emissions.threads.append(QThread::currentThread());
                     });
}

} // namespace

class TestJob : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void succeedsWithTheFunctionsValue();
    void cancelEndsWithCancelledNotSucceeded();
    void progressArrivesOnTheOwnersThreadInOrder();
    void exceptionsBecomeFailed_data();
    void exceptionsBecomeFailed();
    void deletedJobEmitsNothingAndIsAskedToStop();
    void runsOnTheGivenPool();
};

void TestJob::succeedsWithTheFunctionsValue()
{
    Emissions emissions;
    QThread *functionThread = nullptr;
    Job *job = Job::start(
        u"answer"_s,
        [&functionThread](JobContext &) {
            functionThread = QThread::currentThread();
            return QVariant(42);
        },
        this);
    QCOMPARE(job->name(), u"answer"_s);
    QCOMPARE(job->parent(), this);
    record(job, this, emissions);

    QTRY_COMPARE(emissions.signalNames, QStringList({u"succeeded"_s, u"finished"_s}));
    QCOMPARE(emissions.value, QVariant(42));
    QVERIFY(job->isFinished());
    QVERIFY(functionThread != QThread::currentThread());
    for (QThread *thread : std::as_const(emissions.threads))
        QCOMPARE(thread, QThread::currentThread());
    delete job;
}

void TestJob::cancelEndsWithCancelledNotSucceeded()
{
    Emissions emissions;
    std::atomic_bool running = false;
    std::atomic_bool sawCancel = false;
    Job *job = Job::start(
        u"polling loop"_s,
        [&](JobContext &context) {
            running = true;
            // Bounded, so a job that never sees the request fails the test rather than hanging.
            for (int i = 0; i < 100000 && !context.isCancelled(); ++i)
                QThread::usleep(100);
            sawCancel = context.token().isCancelled();
            return QVariant(u"partial result"_s);
        },
        this);
    record(job, this, emissions);
    QTRY_VERIFY(running.load());
    QVERIFY(!job->isFinished());

    job->cancel();
    QTRY_COMPARE(emissions.signalNames, QStringList({u"cancelled"_s, u"finished"_s}));
    QVERIFY(sawCancel.load());
    QVERIFY(!emissions.value.isValid());
    delete job;
}

void TestJob::progressArrivesOnTheOwnersThreadInOrder()
{
    Emissions emissions;
    // The function waits until the test has connected, so no report can be missed.
    auto go = std::make_shared<QSemaphore>();
    Job *job = Job::start(
        u"ten steps"_s,
        [go](JobContext &context) {
            go->acquire();
            for (int step = 1; step <= 10; ++step) {
                context.setProgress(step / 10.0, u"step %1"_s.arg(step));
                QThread::usleep(500);
            }
            return QVariant(true);
        },
        this);
    record(job, this, emissions);
    go->release();

    QTRY_COMPARE(emissions.signalNames, QStringList({u"succeeded"_s, u"finished"_s}));
    // Reports may be thinned out (and a 0 % may come first), but the ones that arrive go
    // forward and end at 100 %.
    QVERIFY(!emissions.progress.isEmpty());
    for (qsizetype i = 0; i < emissions.progress.size(); ++i) {
        QVERIFY(emissions.progress.at(i) >= 0.0 && emissions.progress.at(i) <= 1.0);
        if (i > 0)
            QVERIFY2(emissions.progress.at(i) > emissions.progress.at(i - 1),
                     qPrintable(u"progress went back at report %1"_s.arg(i)));
        // Each report's text belongs to its value.
        QCOMPARE(emissions.progressTexts.at(i),
                 u"step %1"_s.arg(qRound(emissions.progress.at(i) * 10)));
    }
    QCOMPARE(emissions.progress.constLast(), 1.0);
    QCOMPARE(emissions.progressTexts.constLast(), u"step 10"_s);
    for (QThread *thread : std::as_const(emissions.threads))
        QCOMPARE(thread, QThread::currentThread());
    delete job;
}

void TestJob::exceptionsBecomeFailed_data()
{
    QTest::addColumn<std::function<void()>>("thrower");
    QTest::addColumn<QString>("message");

    QTest::newRow("std::runtime_error")
        << std::function<void()>([] { throw std::runtime_error("disk on fire"); })
        << u"disk on fire"_s;
    QTest::newRow("std::invalid_argument")
        << std::function<void()>([] { throw std::invalid_argument("learning rate must be > 0"); })
        << u"learning rate must be > 0"_s;
    QTest::newRow("int") << std::function<void()>([] { throw 42; }) << u"unknown exception"_s;
    QTest::newRow("string literal")
        << std::function<void()>([] { throw "plain text"; }) << u"unknown exception"_s;
}

void TestJob::exceptionsBecomeFailed()
{
    QFETCH(std::function<void()>, thrower);
    QFETCH(QString, message);

    Emissions emissions;
    Job *job = Job::start(
        u"thrower"_s,
        [thrower](JobContext &) {
            thrower();
            return QVariant();
        },
        this);
    record(job, this, emissions);
    QTRY_COMPARE(emissions.signalNames, QStringList({u"failed"_s, u"finished"_s}));
    QCOMPARE(emissions.error, message);
    delete job;

    // The process keeps running jobs after one blew up.
    Emissions next;
    Job *after = Job::start(
        u"after"_s, [](JobContext &) { return QVariant(u"fine"_s); }, this);
    record(after, this, next);
    QTRY_COMPARE(next.signalNames, QStringList({u"succeeded"_s, u"finished"_s}));
    QCOMPARE(next.value.toString(), u"fine"_s);
    delete after;
}

void TestJob::deletedJobEmitsNothingAndIsAskedToStop()
{
    Emissions emissions;
    std::atomic_bool running = false;
    std::atomic_bool returned = false;
    std::atomic_bool sawCancel = false;
    Job *job = Job::start(
        u"superseded"_s,
        [&](JobContext &context) {
            running = true;
            for (int i = 0; i < 100000 && !context.isCancelled(); ++i) {
                context.setProgress(0.5);
                QThread::usleep(100);
            }
            sawCancel = context.isCancelled();
            returned = true;
            return QVariant(u"stale"_s);
        },
        this);
    record(job, this, emissions);
    QTRY_VERIFY(running.load());
    // Let any progress already reported arrive, then forget it: only what follows matters.
    QCoreApplication::processEvents();
    emissions = Emissions();

    delete job;
    QTRY_VERIFY(returned.load());
    QVERIFY(sawCancel.load());
    // Give anything still in flight every chance to be delivered.
    QThreadPool::globalInstance()->waitForDone();
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    QVERIFY2(emissions.signalNames.isEmpty(), qPrintable(emissions.signalNames.join(u", ")));
    QVERIFY(emissions.progress.isEmpty());
}

void TestJob::runsOnTheGivenPool()
{
    QThreadPool pool;
    pool.setObjectName(u"test-pool"_s);
    std::atomic_bool ranOnGivenPool = false;
    Emissions emissions;
    Job *job = Job::start(
        u"pooled"_s,
        [&](JobContext &) {
            ranOnGivenPool = pool.activeThreadCount() == 1;
            return QVariant();
        },
        this, &pool);
    record(job, this, emissions);
    job->waitForFinished();
    QVERIFY(ranOnGivenPool.load());
    QTRY_COMPARE(emissions.signalNames, QStringList({u"succeeded"_s, u"finished"_s}));
    delete job;
}

QTEST_GUILESS_MAIN(TestJob)

#include "tst_job.moc"

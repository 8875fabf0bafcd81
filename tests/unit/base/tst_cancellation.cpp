#include "core/base/cancellation.h"

#include <QTest>

#include <atomic>
#include <thread>

using namespace millrace;

class TestCancellation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void defaultTokenIsNeverCancelled();
    void cancelReachesEveryToken();
    void sourcesAreIndependent();
    void workerThreadSeesCancellation();
};

void TestCancellation::defaultTokenIsNeverCancelled()
{
    const CancellationToken token;
    QVERIFY(!token.isCancelled());
    const CancellationToken copy = token;
    QVERIFY(!copy.isCancelled());
}

void TestCancellation::cancelReachesEveryToken()
{
    CancellationSource source;
    const CancellationToken before = source.token();
    const CancellationToken copied = before;
    QVERIFY(!source.isCancelled());
    QVERIFY(!before.isCancelled());

    source.cancel();
    QVERIFY(source.isCancelled());
    QVERIFY(before.isCancelled());
    QVERIFY(copied.isCancelled());
    // A token taken after the fact, and one outliving its source, still report it.
    CancellationToken after;
    {
        CancellationSource shortLived;
        after = shortLived.token();
        shortLived.cancel();
    }
    QVERIFY(after.isCancelled());
    QVERIFY(source.token().isCancelled());

    source.cancel(); // cancelling twice changes nothing
    QVERIFY(before.isCancelled());
}

void TestCancellation::sourcesAreIndependent()
{
    CancellationSource first;
    CancellationSource second;
    first.cancel();
    QVERIFY(first.token().isCancelled());
    QVERIFY(!second.isCancelled());
    QVERIFY(!second.token().isCancelled());
}

void TestCancellation::workerThreadSeesCancellation()
{
    CancellationSource source;
    std::atomic_bool running = false;
    std::atomic_bool sawCancel = false;
    std::thread worker([token = source.token(), &running, &sawCancel] {
        running = true;
        // Bounded so a broken token fails the test instead of hanging it.
        for (int i = 0; i < 100000 && !token.isCancelled(); ++i)
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        sawCancel = token.isCancelled();
    });
    QTRY_VERIFY(running.load());
    source.cancel();
    worker.join();
    QVERIFY(sawCancel.load());
}

QTEST_GUILESS_MAIN(TestCancellation)

#include "tst_cancellation.moc"

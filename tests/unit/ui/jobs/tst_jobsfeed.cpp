// The Jobs panel's reads against a real workspace database: a DAG's latest runs oldest first
// with their instances, a run's detail with tries and results, a read superseded by another DAG
// dropped, changes noted many times read once, a change without a signal found by polling, and
// a run that is gone.

#include "ui/panels/jobs/jobsfeed.h"

#include "core/scheduler/schedulerdb.h"
#include "core/store/store.h"
#include "testsupport/verify.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <SQLiteCpp/Database.h>

using namespace millrace;
using namespace millrace::scheduler;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

DagRunRecord run(qint64 row, const QString &dagId, int minute)
{
    DagRunRecord record;
    record.row = row;
    record.dagId = dagId;
    record.runId = u"scheduled__%1"_s.arg(minute);
    record.type = RunType::Scheduled;
    record.state = RunState::Success;
    record.logicalDate = QDateTime(QDate(2026, 2, 1), QTime(10, minute), QTimeZone::utc());
    record.queuedAt = record.logicalDate;
    return record;
}

TaskInstanceRecord instance(qint64 runRow, const QString &taskId, TaskState state)
{
    TaskInstanceRecord record;
    record.runRow = runRow;
    record.taskId = taskId;
    record.state = state;
    record.tryNumber = 1;
    record.operatorId = u"noop"_s;
    record.pool = u"default_pool"_s;
    return record;
}

} // namespace

class TestJobsFeed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto store = Store::openMillrace(m_dir->filePath(u"millrace.db"_s));
        QVERIFY2(store, qPrintable(store.errorMessage()));
        m_store = std::move(store).value();
        // Three runs of "a" (rows 1..3), one of "b" (row 4).
        write([](SQLite::Database &db) {
            for (int row = 1; row <= 3; ++row) {
                schedulerdb::insertRun(db, run(row, u"a"_s, row));
                schedulerdb::saveTaskInstance(db, instance(row, u"t1"_s, TaskState::Success));
            }
            schedulerdb::saveTaskInstance(db, instance(3, u"t2"_s, TaskState::Failed));
            schedulerdb::insertRun(db, run(4, u"b"_s, 1));
            TaskTryRecord attempt;
            attempt.runRow = 3;
            attempt.taskId = u"t2"_s;
            attempt.tryNumber = 1;
            attempt.state = TaskState::Failed;
            attempt.startedAt = QDateTime::currentDateTimeUtc();
            attempt.endedAt = attempt.startedAt.addSecs(2);
            attempt.message = u"boom"_s;
            schedulerdb::saveTry(db, attempt);
            schedulerdb::saveResult(db, 3, u"t1"_s, QJsonValue(41));
        });
    }

    void cleanup()
    {
        m_store.reset();
        m_dir.reset();
    }

    void gridIsTheLatestRunsOldestFirst()
    {
        JobsFeed feed;
        feed.setRunLimit(2);
        feed.attach(*m_store);
        QSignalSpy grids(&feed, &JobsFeed::gridLoaded);
        feed.setDagId(u"a"_s);
        QTRY_COMPARE(grids.size(), 1);
        const auto grid = grids.at(0).at(0).value<GridData>();
        QCOMPARE(grid.dagId, u"a"_s);
        QCOMPARE(grid.runs.size(), 2);
        QCOMPARE(grid.runs.at(0).row, 2);
        QCOMPARE(grid.runs.at(1).row, 3);
        QVERIFY(grid.instance(3, u"t2"_s)->state == TaskState::Failed);
        QVERIFY(grid.instance(1, u"t1"_s) == nullptr); // not among the latest two
        QVERIFY(grid.changes > 0);
    }

    void runDetailHasTriesAndResults()
    {
        JobsFeed feed;
        feed.attach(*m_store);
        QSignalSpy details(&feed, &JobsFeed::runDetailLoaded);
        QSignalSpy missing(&feed, &JobsFeed::runMissing);
        feed.setRunRow(3);
        QTRY_COMPARE(details.size(), 1);
        const auto detail = details.at(0).at(0).value<RunDetail>();
        QCOMPARE(detail.run.runId, u"scheduled__3"_s);
        QCOMPARE(detail.instances.size(), 2);
        QCOMPARE(detail.triesOf(u"t2"_s).size(), 1);
        QCOMPARE(detail.triesOf(u"t2"_s).at(0).message, u"boom"_s);
        QCOMPARE(detail.results.value(u"t1"_s).toInt(), 41);
        feed.setRunRow(99);
        QTRY_COMPARE(missing.size(), 1);
        QCOMPARE(missing.at(0).at(0).toLongLong(), 99);
    }

    void supersededReadsAreDropped()
    {
        JobsFeed feed;
        feed.attach(*m_store);
        QSignalSpy grids(&feed, &JobsFeed::gridLoaded);
        feed.setDagId(u"a"_s);
        feed.setDagId(u"b"_s); // before a's read came back
        QTRY_COMPARE(grids.size(), 1);
        QTest::qWait(100);
        QCOMPARE(grids.size(), 1);
        QCOMPARE(grids.at(0).at(0).value<GridData>().dagId, u"b"_s);
    }

    void changesNotedManyTimesAreReadOnce()
    {
        JobsFeed feed;
        feed.attach(*m_store);
        QSignalSpy grids(&feed, &JobsFeed::gridLoaded);
        feed.setDagId(u"a"_s);
        QTRY_COMPARE(grids.size(), 1);
        QElapsedTimer clock;
        clock.start();
        for (int i = 0; i < 10; ++i) {
            feed.noteChanged();
            QTest::qWait(10);
        }
        QTRY_COMPARE(grids.size(), 2);
        QVERIFY2(clock.elapsed() >= 190, qPrintable(QString::number(clock.elapsed())));
        QTest::qWait(250);
        QCOMPARE(grids.size(), 2);
    }

    void pollingFindsUnsignalledChanges()
    {
        JobsFeed feed;
        feed.attach(*m_store);
        QSignalSpy grids(&feed, &JobsFeed::gridLoaded);
        feed.setDagId(u"a"_s);
        QTRY_COMPARE(grids.size(), 1);
        feed.setPollInterval(50);
        feed.setPolling(true);
        // Nothing changed: polling reads nothing more.
        QTest::qWait(200);
        QCOMPARE(grids.size(), 1);
        write([](SQLite::Database &db) {
            schedulerdb::saveTaskInstance(db, instance(3, u"t2"_s, TaskState::Success));
        });
        QTRY_COMPARE(grids.size(), 2);
        QVERIFY(grids.at(1).at(0).value<GridData>().instance(3, u"t2"_s)->state
                == TaskState::Success);
    }

    void schedulerStateAsStored()
    {
        JobsFeed feed;
        feed.attach(*m_store);
        QSignalSpy states(&feed, &JobsFeed::schedulerStateLoaded);
        feed.loadSchedulerState();
        QTRY_COMPARE(states.size(), 1);
        QCOMPARE(states.at(0).at(0).toBool(), true); // a new workspace runs
    }

private:
    void write(std::function<void(SQLite::Database &)> change)
    {
        auto written = m_store->write(std::move(change));
        written.waitForFinished();
        VERIFY_OK(written.result());
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Store> m_store;
};

QTEST_GUILESS_MAIN(TestJobsFeed)
#include "tst_jobsfeed.moc"

// The Jobs panel's DAG list: DAGs sorted by id with their schedule in words, next run, last
// run's state, active runs and tags; the on/off switch asking for a pause; refreshes that keep
// rows (and so the selection) in place.

#include "ui/panels/jobs/daglistmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::scheduler;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

DagSummary dag(const QString &id, const QString &schedule, bool paused = false)
{
    DagSummary summary;
    summary.spec.id = id;
    summary.spec.file = u"/ws/dags/"_s + id + u".yaml"_s;
    summary.spec.fingerprint = id.toUtf8();
    auto timetable = Timetable::parse(schedule);
    if (timetable)
        summary.spec.schedule = *timetable;
    summary.paused = paused;
    return summary;
}

DagRunRecord run(qint64 row, RunState state)
{
    DagRunRecord record;
    record.row = row;
    record.runId = u"scheduled__%1"_s.arg(row);
    record.state = state;
    record.logicalDate = QDateTime(QDate(2026, 1, 2), QTime(3, 4), QTimeZone::utc());
    return record;
}

QString cell(const DagListModel &model, int row, int column)
{
    return model.index(row, column).data().toString();
}

} // namespace

class TestDagListModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void dagsSortedWithWhatAUserScans()
    {
        DagListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        DagSummary update = dag(u"update_model"_s, u"@daily"_s);
        update.spec.tags = {u"ml"_s, u"nightly"_s};
        update.lastRun = run(7, RunState::Failed);
        update.activeRuns = 1;
        update.nextRunAt = QDateTime::currentDateTimeUtc().addSecs(90);
        DagSummary stream = dag(u"stream"_s, u"@every 5m"_s, true);
        model.setDags({update, stream});

        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(DagListModel::ColumnCount));
        QCOMPARE(cell(model, 0, DagListModel::DagColumn), u"stream"_s);
        QCOMPARE(cell(model, 1, DagListModel::DagColumn), u"update_model"_s);
        QCOMPARE(cell(model, 0, DagListModel::ScheduleColumn), stream.spec.schedule.describe());
        QVERIFY(!cell(model, 0, DagListModel::ScheduleColumn).isEmpty());
        QCOMPARE(model.index(0, DagListModel::ScheduleColumn).data(Qt::ToolTipRole).toString(),
                 u"@every 5m"_s);
        // Paused: the switch is off.
        QCOMPARE(model.index(0, DagListModel::ActiveColumn).data(Qt::CheckStateRole).toInt(),
                 int(Qt::Unchecked));
        QCOMPARE(model.index(1, DagListModel::ActiveColumn).data(Qt::CheckStateRole).toInt(),
                 int(Qt::Checked));
        QVERIFY(model.flags(model.index(0, DagListModel::ActiveColumn)) & Qt::ItemIsUserCheckable);
        // The last run's state, as a word and as a state for the chip.
        QCOMPARE(cell(model, 1, DagListModel::LastRunColumn), u"failed"_s);
        QVERIFY(RunState(model.index(1, 0).data(DagListModel::LastRunStateRole).toInt())
                == RunState::Failed);
        QVERIFY(!model.index(0, 0).data(DagListModel::LastRunStateRole).isValid());
        QCOMPARE(cell(model, 0, DagListModel::LastRunColumn), QString());
        QCOMPARE(cell(model, 1, DagListModel::ActiveRunsColumn), u"1"_s);
        QCOMPARE(cell(model, 1, DagListModel::TagsColumn), u"ml, nightly"_s);
        QCOMPARE(model.index(1, 0).data(DagListModel::TagsRole).toStringList(),
                 (QStringList{u"ml"_s, u"nightly"_s}));
        // The next run as a time, and how far off in its tooltip.
        QCOMPARE(cell(model, 1, DagListModel::NextRunColumn), shortTime(update.nextRunAt));
        QVERIFY2(model.index(1, DagListModel::NextRunColumn)
                     .data(Qt::ToolTipRole)
                     .toString()
                     .startsWith(u"in 1 min"_s),
                 qPrintable(
                     model.index(1, DagListModel::NextRunColumn).data(Qt::ToolTipRole).toString()));
        QCOMPARE(cell(model, 0, DagListModel::NextRunColumn), QString());
        QCOMPARE(model.rowOfDag(u"update_model"_s), 1);
        QCOMPARE(model.rowOfDag(u"gone"_s), -1);
        QCOMPARE(model.dag(u"stream"_s)->spec.id, u"stream"_s);
        QCOMPARE(model.headerData(DagListModel::ActiveColumn, Qt::Horizontal).toString(), u"On"_s);
    }

    void switchAsksForAPauseAndShowsItAtOnce()
    {
        DagListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDags({dag(u"a"_s, u"@hourly"_s)});
        QSignalSpy asked(&model, &DagListModel::pauseRequested);
        const QModelIndex toggle = model.index(0, DagListModel::ActiveColumn);
        QVERIFY(model.setData(toggle, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked.at(0).at(0).toString(), u"a"_s);
        QCOMPARE(asked.at(0).at(1).toBool(), true);
        QCOMPARE(toggle.data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
        QVERIFY(toggle.data(DagListModel::PausedRole).toBool());
        // Already paused: nothing more is asked.
        QVERIFY(model.setData(toggle, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(asked.size(), 1);
        // Other cells and roles are not editable.
        QVERIFY(!model.setData(model.index(0, DagListModel::DagColumn), u"b"_s, Qt::EditRole));
        // The scheduler's report has the last word: still unpaused (the pause failed).
        model.setDags({dag(u"a"_s, u"@hourly"_s)});
        QCOMPARE(toggle.data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    }

    void refreshKeepsRowsInPlace()
    {
        DagListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDags({dag(u"b"_s, u"@hourly"_s), dag(u"c"_s, u"@daily"_s)});
        const QPersistentModelIndex c = model.index(1, DagListModel::DagColumn);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

        DagSummary changed = dag(u"c"_s, u"@daily"_s);
        changed.activeRuns = 2;
        // A new DAG sorts before the others; the one that changed keeps its row's identity.
        model.setDags({dag(u"b"_s, u"@hourly"_s), changed, dag(u"a"_s, u"@once"_s)});
        QCOMPARE(resets.size(), 0);
        QCOMPARE(changes.size(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 0, DagListModel::DagColumn), u"a"_s);
        QVERIFY(c.isValid());
        QCOMPARE(c.row(), 2);
        QCOMPARE(model.index(c.row(), DagListModel::ActiveRunsColumn).data().toInt(), 2);

        // A DAG whose file went away leaves.
        model.setDags({changed});
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(c.row(), 0);
        model.setDags({});
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!c.isValid());
    }

    void relativeTimes_data()
    {
        QTest::addColumn<int>("seconds");
        QTest::addColumn<QString>("expected");
        QTest::newRow("past") << -5 << u"due"_s;
        QTest::newRow("now") << 0 << u"due"_s;
        QTest::newRow("seconds") << 42 << u"in 42 s"_s;
        QTest::newRow("minutes") << 185 << u"in 3 min"_s;
        QTest::newRow("hours") << 7300 << u"in 2 h"_s;
        QTest::newRow("days") << 3 * 86400 + 5 << u"in 3 d"_s;
    }

    void relativeTimes()
    {
        QFETCH(int, seconds);
        QFETCH(QString, expected);
        const QDateTime now(QDate(2026, 3, 1), QTime(12, 0), QTimeZone::utc());
        QCOMPARE(relativeFuture(now.addSecs(seconds), now), expected);
    }

    void shortTimes()
    {
        const QDateTime now = QDateTime(QDate(2026, 3, 1), QTime(12, 0)).toUTC();
        QCOMPARE(shortTime(QDateTime(), now), QString());
        QCOMPARE(shortTime(QDateTime(QDate(2026, 3, 1), QTime(9, 5, 7)), now), u"09:05:07"_s);
        QCOMPARE(shortTime(QDateTime(QDate(2026, 1, 3), QTime(14, 5)), now), u"3 Jan 14:05"_s);
        QCOMPARE(shortTime(QDateTime(QDate(2025, 12, 31), QTime(14, 5)), now),
                 u"2025-12-31 14:05"_s);
    }
};

QTEST_GUILESS_MAIN(TestDagListModel)
#include "tst_daglistmodel.moc"

// The Jobs panel's grid: runs as columns (oldest left), tasks as rows in the DAG's order, each
// cell a task state; a new run comes in on the right and the oldest leaves on the left without a
// reset, so the current cell stays on its instance; tasks the DAG no longer has come last. Also
// the graph layout's layers and slots, and the durations the views write.

#include "ui/panels/jobs/graphlayout.h"
#include "ui/panels/jobs/gridmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::scheduler;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

TaskSpec task(const QString &id, QStringList upstream = {}, const QString &op = u"noop"_s)
{
    TaskSpec spec;
    spec.id = id;
    spec.operatorId = op;
    spec.upstream = std::move(upstream);
    return spec;
}

DagSpec pipeline()
{
    DagSpec dag;
    dag.id = u"pipeline"_s;
    dag.tasks = {task(u"extract"_s), task(u"train"_s, {u"extract"_s}, u"train"_s),
                 task(u"report"_s, {u"train"_s})};
    return dag;
}

DagRunRecord run(qint64 row, RunState state, int startSecond, int seconds)
{
    DagRunRecord record;
    record.row = row;
    record.dagId = u"pipeline"_s;
    record.runId = u"scheduled__%1"_s.arg(row);
    record.type = row % 2 ? RunType::Scheduled : RunType::Manual;
    record.state = state;
    const QDateTime base(QDate(2026, 2, 1), QTime(10, 0), QTimeZone::utc());
    record.logicalDate = base.addSecs(row * 60);
    record.startedAt = base.addSecs(startSecond);
    if (seconds >= 0)
        record.endedAt = record.startedAt.addSecs(seconds);
    return record;
}

TaskInstanceRecord instance(qint64 runRow, const QString &taskId, TaskState state)
{
    TaskInstanceRecord record;
    record.runRow = runRow;
    record.taskId = taskId;
    record.state = state;
    record.tryNumber = state == TaskState::None ? 0 : 1;
    record.operatorId = u"noop"_s;
    return record;
}

GridData grid(const QList<DagRunRecord> &runs, const QList<TaskInstanceRecord> &instances)
{
    GridData data;
    data.dagId = u"pipeline"_s;
    data.runs = runs;
    for (const TaskInstanceRecord &record : instances)
        data.instances[record.runRow].insert(record.taskId, record);
    return data;
}

std::optional<TaskState> stateAt(const GridModel &model, int row, int column)
{
    const QVariant value = model.index(row, column).data(GridModel::TaskStateRole);
    if (!value.isValid())
        return std::nullopt;
    return TaskState(value.toInt());
}

} // namespace

class TestGridModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cellsAreTaskStatesOfRunsOldestFirst()
    {
        GridModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setGrid(pipeline(),
                      grid({run(1, RunState::Success, 0, 30), run(2, RunState::Running, 60, -1)},
                           {instance(1, u"extract"_s, TaskState::Success),
                            instance(1, u"train"_s, TaskState::Success),
                            instance(1, u"report"_s, TaskState::Success),
                            instance(2, u"extract"_s, TaskState::Success),
                            instance(2, u"train"_s, TaskState::Running)}));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), 2);
        QCOMPARE(model.headerData(0, Qt::Vertical).toString(), u"extract"_s);
        QCOMPARE(model.headerData(1, Qt::Vertical, GridModel::OperatorRole).toString(), u"train"_s);
        QCOMPARE(model.headerData(2, Qt::Vertical).toString(), u"report"_s);
        QVERIFY(stateAt(model, 1, 0) == TaskState::Success);
        QVERIFY(stateAt(model, 1, 1) == TaskState::Running);
        // No instance yet: no state at all (drawn as an empty square).
        QVERIFY(!stateAt(model, 2, 1).has_value());
        QVERIFY(model.instanceAt(model.index(2, 1)) == nullptr);
        QCOMPARE(model.instanceAt(model.index(1, 1))->taskId, u"train"_s);
        QCOMPARE(model.index(1, 1).data(GridModel::RunRowRole).toLongLong(), 2);
        QCOMPARE(model.index(1, 1).data(GridModel::TaskIdRole).toString(), u"train"_s);
        QVERIFY2(model.index(1, 1).data(Qt::ToolTipRole).toString().contains(u"running"_s),
                 qPrintable(model.index(1, 1).data(Qt::ToolTipRole).toString()));
        // The runs' header: state, type and how long each took, for the bars.
        QVERIFY(RunState(model.headerData(0, Qt::Horizontal, GridModel::RunStateRole).toInt())
                == RunState::Success);
        QVERIFY(RunType(model.headerData(1, Qt::Horizontal, GridModel::RunTypeRole).toInt())
                == RunType::Manual);
        QCOMPARE(model.headerData(0, Qt::Horizontal, GridModel::RunSecondsRole).toDouble(), 30.0);
        QVERIFY(model.headerData(1, Qt::Horizontal, GridModel::RunSecondsRole).toDouble() > 30.0);
        QCOMPARE(model.headerData(1, Qt::Horizontal, GridModel::RunIdRole).toString(),
                 u"scheduled__2"_s);
        QCOMPARE(model.columnOfRun(2), 1);
        QCOMPARE(model.columnOfRun(9), -1);
        QCOMPARE(model.rowOfTask(u"report"_s), 2);
    }

    void newRunComesInOnTheRightWithoutAReset()
    {
        GridModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const DagSpec dag = pipeline();
        model.setGrid(dag, grid({run(1, RunState::Success, 0, 3), run(2, RunState::Success, 60, 3)},
                                {instance(2, u"train"_s, TaskState::Failed)}));
        const QPersistentModelIndex chosen = model.index(1, 1); // train in run 2
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::columnsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::columnsRemoved);

        // The limit is two runs: run 3 arrives, run 1 leaves.
        model.setGrid(dag, grid({run(2, RunState::Success, 60, 3), run(3, RunState::Queued, 0, -1)},
                                {instance(2, u"train"_s, TaskState::Failed),
                                 instance(3, u"extract"_s, TaskState::Scheduled)}));
        QCOMPARE(resets.size(), 0);
        QCOMPARE(removed.size(), 1);
        QCOMPARE(removed.at(0).at(1).toInt(), 0);
        QCOMPARE(inserted.size(), 1);
        QCOMPARE(inserted.at(0).at(1).toInt(), 1);
        QCOMPARE(model.columnCount(), 2);
        QVERIFY(chosen.isValid());
        QCOMPARE(chosen.column(), 0);
        QVERIFY(TaskState(chosen.data(GridModel::TaskStateRole).toInt()) == TaskState::Failed);
        QVERIFY(stateAt(model, 0, 1) == TaskState::Scheduled);
    }

    void tasksTheDagNoLongerHasComeLast()
    {
        GridModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        DagSpec dag = pipeline();
        model.setGrid(dag, grid({run(1, RunState::Success, 0, 3)},
                                {instance(1, u"extract"_s, TaskState::Success),
                                 instance(1, u"old_step"_s, TaskState::Removed)}));
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.taskAt(3), u"old_step"_s);
        QVERIFY(stateAt(model, 3, 0) == TaskState::Removed);

        // A task added to the DAG: a row is inserted where the DAG has it.
        dag.tasks.insert(dag.tasks.begin() + 1, task(u"validate"_s, {u"extract"_s}));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setGrid(dag, grid({run(1, RunState::Success, 0, 3)},
                                {instance(1, u"extract"_s, TaskState::Success)}));
        QCOMPARE(resets.size(), 0);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.taskAt(1), u"validate"_s);
        QCOMPARE(model.taskAt(3), u"report"_s);

        // Without a DAG spec (not reported yet), the tasks come from the instances.
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        model.setGrid(DagSpec(), grid({run(1, RunState::Success, 0, 3)},
                                      {instance(1, u"b"_s, TaskState::Success),
                                       instance(1, u"a"_s, TaskState::Skipped)}));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.taskAt(0), u"a"_s);
    }

    void layersFollowTheLongestPath()
    {
        // extract -> (clean, stats) -> train -> report, and a lone task.
        const std::vector<TaskSpec> tasks{
            task(u"extract"_s),
            task(u"stats"_s, {u"extract"_s}),
            task(u"clean"_s, {u"extract"_s}),
            task(u"train"_s, {u"clean"_s, u"stats"_s}),
            task(u"report"_s, {u"train"_s, u"extract"_s}),
            task(u"notify"_s, {u"missing"_s}),
        };
        const GraphLayout layout = layoutGraph(tasks);
        QCOMPARE(layout.nodes.size(), 6);
        const auto at = [&](const QString &id) {
            const GraphLayout::Node &node = layout.nodes.at(layout.indexOf(id));
            return std::pair(node.layer, node.slot);
        };
        QCOMPARE(at(u"extract"_s).first, 0);
        QCOMPARE(at(u"stats"_s).first, 1);
        QCOMPARE(at(u"clean"_s).first, 1);
        QCOMPARE(at(u"train"_s).first, 2);
        QCOMPARE(at(u"report"_s).first, 3); // after train, though extract is also upstream
        QCOMPARE(at(u"notify"_s).first, 0); // its upstream names no task
        QCOMPARE(layout.layerCount, 4);
        QCOMPARE(layout.maxSlots, 2);
        // Every edge points right.
        QCOMPARE(layout.edges.size(), 6);
        for (const auto &[from, to] : layout.edges)
            QVERIFY(layout.nodes.at(from).layer < layout.nodes.at(to).layer);
        QCOMPARE(layout.indexOf(u"nothing"_s), -1);
    }

    void barycentreKeepsBranchesApart()
    {
        // Two chains side by side: a1 -> a2, b1 -> b2; b2 is listed first but follows b1 below.
        const std::vector<TaskSpec> tasks{task(u"a1"_s), task(u"b1"_s), task(u"b2"_s, {u"b1"_s}),
                                          task(u"a2"_s, {u"a1"_s})};
        const GraphLayout layout = layoutGraph(tasks);
        QCOMPARE(layout.nodes.at(layout.indexOf(u"a2"_s)).slot, 0);
        QCOMPARE(layout.nodes.at(layout.indexOf(u"b2"_s)).slot, 1);
    }

    void durations_data()
    {
        QTest::addColumn<double>("seconds");
        QTest::addColumn<QString>("expected");
        QTest::newRow("sub-second") << 0.42 << u"0.4 s"_s;
        QTest::newRow("seconds") << 12.4 << u"12 s"_s;
        QTest::newRow("minutes") << 185.0 << u"3 min 5 s"_s;
        QTest::newRow("hours") << 7800.0 << u"2 h 10 min"_s;
    }

    void durations()
    {
        QFETCH(double, seconds);
        QFETCH(QString, expected);
        QCOMPARE(durationText(seconds), expected);
    }
};

QTEST_GUILESS_MAIN(TestGridModel)
#include "tst_gridmodel.moc"

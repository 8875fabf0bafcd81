// The Jobs panel as a user meets it, in the main window on a real workspace whose scheduler runs
// DAG files written into its dags/ folder: the toolbar's Pause stops new runs and Start brings
// them back; the grid shows each run's task instances in their states' colours, and clicking one
// shows its log (followed live while the task runs); Trigger… with a config starts a manual run
// with that config, and refuses text that is not a JSON object; a DAG file with a mistake shows
// in the red banner until it is fixed; and the README screenshots. Real widgets are clicked under
// the offscreen platform; the database is read only to check what the scheduler did.

#include "guitestsupport.h"

#include "core/base/logbus.h"
#include "core/scheduler/operatorcatalog.h"
#include "core/scheduler/schedulerdb.h"
#include "core/scheduler/schedulerservice.h"
#include "core/store/appstate.h"
#include "core/store/store.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "plugins/api/taskoperator.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/jobs/dagerrorsbanner.h"
#include "ui/panels/jobs/daglistmodel.h"
#include "ui/panels/jobs/ganttchart.h"
#include "ui/panels/jobs/graphview.h"
#include "ui/panels/jobs/gridmodel.h"
#include "ui/panels/jobs/gridview.h"
#include "ui/panels/jobs/jobspanel.h"
#include "ui/panels/jobs/statestyle.h"
#include "ui/panels/jobs/taskdetailpane.h"
#include "ui/panels/jobs/triggerdialog.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QStackedWidget>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QThread>
#include <QToolBar>
#include <QToolButton>

#include <SQLiteCpp/Database.h>

#include <memory>

using millrace::ui::GridModel;
using millrace::ui::GridView;
using millrace::ui::JobsPanel;
using millrace::ui::MainWindow;
using millrace::ui::TaskDetailPane;
using namespace millrace;
using namespace millrace::scheduler;
using namespace millrace::testing;
using namespace Qt::StringLiterals;

namespace {

/// The Jobs entry's row in the sidebar.
constexpr int kJobsRow = 1;

/// A task operator the test scripts through its params: sleeps in steps, logging each, and fails
/// or skips when the run's logical date falls on a second divisible by a number, so a DAG that
/// runs every second gets a mix of states.
class ScriptOperator : public plugins::TaskOperator
{
public:
    QJsonObject parameterSchema() const override
    {
        const QJsonObject integer{{u"type"_s, u"integer"_s}};
        return QJsonObject{{u"type"_s, u"object"_s},
                           {u"properties"_s, QJsonObject{{u"sleep_ms"_s, integer},
                                                         {u"steps"_s, integer},
                                                         {u"fail_if_second_mod"_s, integer},
                                                         {u"skip_if_second_mod"_s, integer}}},
                           {u"additionalProperties"_s, false}};
    }

    plugins::TaskOutcome run(plugins::TaskContext &context) override
    {
        const QJsonObject params = context.params();
        const int steps = qMax(1, params.value(u"steps"_s).toInt(1));
        const int sleepMs = params.value(u"sleep_ms"_s).toInt();
        for (int step = 1; step <= steps && !context.isCancelled(); ++step) {
            QThread::msleep(sleepMs / steps);
            context.log(u"step %1 of %2"_s.arg(step).arg(steps));
        }
        const int second = context.logicalDate().time().second();
        const auto divides = [second](int by) { return by > 0 && second % by == 0; };
        if (divides(params.value(u"fail_if_second_mod"_s).toInt()))
            return plugins::TaskOutcome{
                false, QJsonValue(), u"validation loss went up at second %1"_s.arg(second), false};
        if (divides(params.value(u"skip_if_second_mod"_s).toInt()))
            return plugins::TaskOutcome{true, QJsonValue(), u"nothing new to promote"_s, true};
        return plugins::TaskOutcome{true, QJsonObject{{u"second"_s, second}}, QString(), false};
    }
};

/// A DAG that runs every second, two tasks, no catch-up.
const QString kOftenDag = uR"(description: Runs every second
schedule: "@every 1s"
start_date: 2026-01-01
catchup: false
tags: [demo]
tasks:
  - {id: extract, operator: noop}
  - {id: train, operator: noop, upstream: [extract]}
)"_s;

/// Daily, but every second at demo speed; one run for the latest day when it is first seen.
const QString kDemoDag = uR"(description: Daily, or every second at demo speed
schedule: "@daily"
demo_schedule: "@every 1s"
start_date: 2026-01-01
catchup: false
tasks:
  - {id: only, operator: noop}
)"_s;

/// A DAG that only runs when triggered, with a default config and a slow task.
const QString kManualDag = uR"(description: Retrains on demand
schedule: null
params: {epochs: 3, topic: fashion-mnist}
tasks:
  - {id: prepare, operator: noop}
  - {id: train, operator: script, upstream: [prepare], params: {sleep_ms: 2400, steps: 6}}
)"_s;

/// A workspace opened as the app opens it (no tracking server, no streams), DAG files written
/// into its dags/ folder before the scheduler starts, and the test's script operator.
struct JobsWorkspace
{
    QTemporaryDir dir;
    ScriptOperator script;
    std::unique_ptr<Session> session;

    bool open(const QMap<QString, QString> &dags)
    {
        if (!dir.isValid())
            return false;
        SessionOptions options;
        options.trackingServer = false;
        options.streams = false;
        auto opened = Session::open(dir.filePath(u"workspace"_s), options);
        if (!opened) {
            qWarning().noquote() << opened.errorMessage();
            return false;
        }
        session = std::move(opened).value();
        session->operators().add(u"script"_s, &script, u"test"_s);
        for (auto it = dags.begin(); it != dags.end(); ++it) {
            if (!writeDag(it.key(), it.value()))
                return false;
        }
        session->startServices();
        return session->scheduler() != nullptr;
    }
    bool writeDag(const QString &name, const QString &yaml) const
    {
        QDir().mkpath(session->workspace().dagsDir());
        QFile file(dagPath(name));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        return file.write(yaml.toUtf8()) > 0;
    }
    QString dagPath(const QString &name) const
    {
        return QDir(session->workspace().dagsDir()).filePath(name + u".yaml"_s);
    }
    /// The runs of `dagId` in the database, newest first (the test thread may read).
    QList<DagRunRecord> runs(const QString &dagId) const
    {
        auto read = session->workspace().store().read(
            [&](SQLite::Database &db) { return schedulerdb::runs(db, dagId, 100000); });
        return read ? *read : QList<DagRunRecord>();
    }
    std::map<QString, bool> pausedFlags() const
    {
        auto read = session->workspace().store().read(
            [](SQLite::Database &db) { return schedulerdb::pausedFlags(db); });
        return read ? *read : std::map<QString, bool>();
    }
};

/// Shows `window` with `session` attached and opens the Jobs panel by clicking it in the sidebar.
JobsPanel *showJobs(MainWindow &window, Session &session, QSize size = {1200, 780})
{
    showWindow(window, size);
    window.attachSession(session);
    auto *list = child<QListWidget>(window, "panelList");
    if (!list || list->item(kJobsRow)->text() != u"Jobs"_s)
        return nullptr;
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(kJobsRow)).center());
    auto *stack = child<QStackedWidget>(window, "panelStack");
    return qobject_cast<JobsPanel *>(stack->currentWidget());
}

/// Clicks the main toolbar's button for the action `name`.
void clickToolbarButton(const MainWindow &window, const char *name)
{
    auto *toolbar = child<QToolBar>(window, "mainToolBar");
    auto *action = child<QAction>(window, name);
    QVERIFY(toolbar && action);
    QTRY_VERIFY(action->isEnabled());
    auto *button = qobject_cast<QToolButton *>(toolbar->widgetForAction(action));
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
}

/// Clicks the main toolbar's Start/Pause scheduled updates button.
void clickSchedulerButton(const MainWindow &window)
{
    clickToolbarButton(window, "schedulerAction");
}

/// Clicks the panel toolbar's button for the action `name`.
void clickPanelAction(const QWidget &panel, const char *name)
{
    auto *toolBar = child<QToolBar>(panel, "jobsToolBar");
    auto *action = child<QAction>(panel, name);
    QVERIFY(toolBar && action);
    QTRY_VERIFY2(action->isEnabled(), name);
    QWidget *button = toolBar->widgetForAction(action);
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
}

/// Clicks DAG `dagId` in the DAG list.
void clickDag(const QWidget &panel, const QString &dagId)
{
    auto *view = child<QTableView>(panel, "dagList");
    QVERIFY(view);
    const auto *model = static_cast<const ui::DagListModel *>(view->model());
    QTRY_VERIFY(model->rowOfDag(dagId) >= 0);
    const QModelIndex index = model->index(model->rowOfDag(dagId), ui::DagListModel::DagColumn);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
    QCOMPARE(view->currentIndex().row(), index.row());
}

/// Clicks the tab `name` of the views' tab widget.
void clickTab(const QWidget &panel, const char *name)
{
    auto *tabs = child<QTabWidget>(panel, "jobsTabs");
    QVERIFY(tabs);
    const int index = tabs->indexOf(tabs->findChild<QWidget *>(QLatin1String(name)));
    QVERIFY(index >= 0);
    QTest::mouseClick(tabs->tabBar(), Qt::LeftButton, {}, tabs->tabBar()->tabRect(index).center());
    QCOMPARE(tabs->currentIndex(), index);
}

GridView *gridView(const QWidget &panel)
{
    return child<GridView>(panel, "gridView");
}

/// The column of the grid showing the run named `runId`, or -1.
int columnOfRun(const GridView *grid, const QString &runId)
{
    const QAbstractItemModel *model = grid->model();
    for (int column = 0; column < model->columnCount(); ++column) {
        if (model->headerData(column, Qt::Horizontal, GridModel::RunIdRole).toString() == runId)
            return column;
    }
    return -1;
}

/// The colour drawn in the middle of the square of `taskId` in run `runRow`.
QColor squareColour(const GridView *grid, qint64 runRow, const QString &taskId)
{
    const QRect square = grid->squareRect(runRow, taskId);
    const QImage image = grid->viewport()->grab().toImage();
    return QColor(image.pixel(square.center()));
}

QString labelText(const QWidget &parent, const char *name)
{
    const auto *label = child<QLabel>(parent, name);
    return label ? label->text() : u"<no %1>"_s.arg(QLatin1String(name));
}

} // namespace

class TestJobsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void pauseInTheToolbarStopsNewRuns();
    void demoSpeedInTheToolbarRunsTheDemoSchedule();
    void gridShowsStatesAndClickingShowsTheLog();
    void triggerWithAConfigStartsAManualRun();
    void brokenDagFileShowsItsError();
    void screenshot();

private:
    QTemporaryDir m_settings;
};

void TestJobsPanel::initTestCase()
{
    useTestSettings(m_settings, u"tst_jobspanel"_s);
}

void TestJobsPanel::init()
{
    QSettings settings;
    settings.clear();
    settings.sync();
}

void TestJobsPanel::pauseInTheToolbarStopsNewRuns()
{
    JobsWorkspace jobs;
    QVERIFY(jobs.open({{u"often"_s, kOftenDag}}));
    MainWindow window;
    JobsPanel *panel = showJobs(window, *jobs.session);
    QVERIFY(panel);
    QTRY_COMPARE(labelText(*panel, "schedulerState"), u"Scheduled updates: running"_s);
    QTRY_COMPARE(panel->currentDagId(), u"often"_s);
    QTRY_VERIFY_WITH_TIMEOUT(jobs.runs(u"often"_s).size() >= 2, 5000);

    // Pause: the scheduler says so, and no run is created while paused.
    clickSchedulerButton(window);
    QTRY_COMPARE(labelText(*panel, "schedulerState"), u"Scheduled updates: paused"_s);
    QCOMPARE(labelText(window, "schedulerStatus"), u"Scheduled updates: paused"_s);
    QTest::qWait(300); // a run created just before the pause has committed by now
    const qsizetype paused = jobs.runs(u"often"_s).size();
    QTest::qWait(2500);
    QCOMPARE(jobs.runs(u"often"_s).size(), paused);

    // Start: runs come again, and the grid shows them.
    clickSchedulerButton(window);
    QTRY_COMPARE(labelText(*panel, "schedulerState"), u"Scheduled updates: running"_s);
    QTRY_VERIFY_WITH_TIMEOUT(jobs.runs(u"often"_s).size() > paused, 4000);
    const QString newest = jobs.runs(u"often"_s).first().runId;
    QTRY_VERIFY_WITH_TIMEOUT(columnOfRun(gridView(*panel), newest) >= 0, 3000);

    // The DAG's own switch pauses it, stored in the workspace.
    auto *list = child<QTableView>(*panel, "dagList");
    const QRect toggle = list->visualRect(list->model()->index(0, ui::DagListModel::ActiveColumn));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, toggle.center());
    QTRY_VERIFY(jobs.pausedFlags()[u"often"_s]);
    QTRY_COMPARE(labelText(*panel, "dagTitle"), u"often (paused)"_s);
    QCOMPARE(child<QAction>(*panel, "pauseDagAction")->text(), u"Unpause DAG"_s);
    window.detachSession();
}

void TestJobsPanel::demoSpeedInTheToolbarRunsTheDemoSchedule()
{
    JobsWorkspace jobs;
    QVERIFY(jobs.open({{u"demo"_s, kDemoDag}}));
    MainWindow window;
    JobsPanel *panel = showJobs(window, *jobs.session);
    QVERIFY(panel);
    auto *action = child<QAction>(window, "demoSpeedAction");
    QVERIFY(action);
    const auto stored = [&] {
        auto read = jobs.session->workspace().store().read([](SQLite::Database &db) {
            return appstate::get(db, SchedulerService::demoSpeedKey());
        });
        return read ? read->value_or(u"<unset>"_s) : read.errorMessage();
    };
    auto *list = child<QTableView>(*panel, "dagList");
    const auto shownSchedule = [&] {
        return list->model()->index(0, ui::DagListModel::ScheduleColumn).data().toString();
    };

    // A workspace of its own starts at the real schedules: the daily DAG runs once, for the
    // latest day, and then waits.
    QTRY_VERIFY(action->isEnabled());
    QVERIFY(!action->isChecked());
    QTRY_COMPARE(jobs.runs(u"demo"_s).size(), 1);
    QTRY_COMPARE(shownSchedule(), Timetable::parse(u"@daily"_s)->describe());

    // Demo speed on: stored, shown, and the DAG runs every second.
    clickToolbarButton(window, "demoSpeedAction");
    QTRY_COMPARE(stored(), u"on"_s);
    QTRY_VERIFY(action->isChecked() && action->isEnabled());
    QTRY_COMPARE(shownSchedule(), Timetable::parse(u"@every 1s"_s)->describe());
    QTRY_VERIFY_WITH_TIMEOUT(jobs.runs(u"demo"_s).size() >= 4, 6000);

    // Off again: back to daily, and no more runs.
    clickToolbarButton(window, "demoSpeedAction");
    QTRY_COMPARE(stored(), u"off"_s);
    QTRY_VERIFY(!action->isChecked() && action->isEnabled());
    QTRY_COMPARE(shownSchedule(), Timetable::parse(u"@daily"_s)->describe());
    QTest::qWait(300); // a run created just before the switch has committed by now
    const qsizetype atDaily = jobs.runs(u"demo"_s).size();
    QTest::qWait(2500);
    QCOMPARE(jobs.runs(u"demo"_s).size(), atDaily);
    window.detachSession();
}

void TestJobsPanel::gridShowsStatesAndClickingShowsTheLog()
{
    JobsWorkspace jobs;
    QVERIFY(jobs.open({{u"often"_s, kOftenDag}, {u"retrain"_s, kManualDag}}));
    MainWindow window;
    JobsPanel *panel = showJobs(window, *jobs.session);
    QVERIFY(panel);
    clickDag(*panel, u"often"_s);
    GridView *grid = gridView(*panel);
    QVERIFY(grid);

    // Finished runs: both tasks green.
    QTRY_VERIFY_WITH_TIMEOUT(grid->model()->columnCount() >= 3, 6000);
    QCOMPARE(grid->model()->rowCount(), 2);
    QCOMPARE(grid->model()->headerData(0, Qt::Vertical).toString(), u"extract"_s);
    QCOMPARE(grid->model()->headerData(1, Qt::Vertical).toString(), u"train"_s);
    const qint64 firstRun =
        grid->model()->headerData(0, Qt::Horizontal, GridModel::RunRowRole).toLongLong();
    const QModelIndex firstTrain = grid->model()->index(1, 0);
    QTRY_VERIFY(firstTrain.data(GridModel::TaskStateRole).isValid());
    QTRY_VERIFY(TaskState(firstTrain.data(GridModel::TaskStateRole).toInt()) == TaskState::Success);
    QTRY_COMPARE(squareColour(grid, firstRun, u"train"_s), ui::taskStateColour(TaskState::Success));
    QTRY_VERIFY(
        RunState(grid->model()->headerData(0, Qt::Horizontal, GridModel::RunStateRole).toInt())
        == RunState::Success);

    // Clicking a square shows that task instance and its log.
    clickSchedulerButton(window); // pause, so the run clicked stays in view
    QTRY_COMPARE(labelText(*panel, "schedulerState"), u"Scheduled updates: paused"_s);
    const QRect square = grid->squareRect(firstRun, u"train"_s);
    QVERIFY(!square.isEmpty());
    QTest::mouseClick(grid->viewport(), Qt::LeftButton, {}, square.center());
    QCOMPARE(panel->currentTaskId(), u"train"_s);
    QCOMPARE(panel->currentRunRow(), firstRun);
    auto *detail = child<TaskDetailPane>(*panel, "taskDetail");
    QTRY_COMPARE(labelText(*detail, "taskState"), u"success"_s);
    QCOMPARE(labelText(*detail, "taskOperator"), u"noop"_s);
    QCOMPARE(labelText(*detail, "taskTry"), u"1 of 1"_s);
    const QString runId =
        grid->model()->headerData(0, Qt::Horizontal, GridModel::RunIdRole).toString();
    QVERIFY2(detail->logPath().endsWith(u"often/"_s + runId + u"/train/1.log"_s),
             qPrintable(detail->logPath()));
    QTRY_VERIFY2(detail->logText().contains(u"try 1 of 1: operator noop"_s),
                 qPrintable(detail->logText()));
    QTRY_VERIFY2(detail->logText().contains(u"succeeded"_s), qPrintable(detail->logText()));

    // Mark Failed on it: the square turns red.
    clickPanelAction(*panel, "markFailedAction");
    QTRY_VERIFY(TaskState(firstTrain.data(GridModel::TaskStateRole).toInt()) == TaskState::Failed);
    QTRY_COMPARE(squareColour(grid, firstRun, u"train"_s), ui::taskStateColour(TaskState::Failed));
    QTRY_COMPARE(labelText(*detail, "taskState"), u"failed"_s);

    // A slow task's log is followed while it runs.
    clickDag(*panel, u"retrain"_s);
    QTRY_VERIFY(child<QAction>(*panel, "triggerAction")->isEnabled());
    jobs.session->scheduler()->trigger(u"retrain"_s, {}, u"slow-1"_s);
    QTRY_VERIFY_WITH_TIMEOUT(columnOfRun(grid, u"slow-1"_s) >= 0, 3000);
    const qint64 slowRun =
        grid->model()
            ->headerData(columnOfRun(grid, u"slow-1"_s), Qt::Horizontal, GridModel::RunRowRole)
            .toLongLong();
    const QModelIndex slowTrain = grid->model()->index(1, columnOfRun(grid, u"slow-1"_s));
    QTRY_VERIFY_WITH_TIMEOUT(slowTrain.data(GridModel::TaskStateRole).isValid()
                                 && TaskState(slowTrain.data(GridModel::TaskStateRole).toInt())
                                        == TaskState::Running,
                             3000);
    QCOMPARE(squareColour(grid, slowRun, u"train"_s), ui::taskStateColour(TaskState::Running));
    QTest::mouseClick(grid->viewport(), Qt::LeftButton, {},
                      grid->squareRect(slowRun, u"train"_s).center());
    QTRY_COMPARE(labelText(*detail, "logStatus"), u"live"_s);
    QTRY_VERIFY2(detail->logText().contains(u"step 2 of 6"_s), qPrintable(detail->logText()));
    // Lines arrive while it still runs, and the end once it finished.
    QVERIFY2(!detail->logText().contains(u"step 6 of 6"_s), qPrintable(detail->logText()));
    QTRY_VERIFY_WITH_TIMEOUT(detail->logText().contains(u"step 6 of 6"_s), 4000);
    QTRY_VERIFY2(detail->logText().contains(u"succeeded"_s), qPrintable(detail->logText()));
    QTRY_COMPARE(labelText(*detail, "taskState"), u"success"_s);
    QTRY_COMPARE(labelText(*detail, "logStatus"), QString());
    QCOMPARE(child<QPlainTextEdit>(*detail, "taskResult")
                 ->toPlainText()
                 .remove(QLatin1Char(' '))
                 .remove(QLatin1Char('\n')),
             u"{\"second\":%1}"_s.arg(jobs.runs(u"retrain"_s).first().logicalDate.time().second()));
    window.detachSession();
}

void TestJobsPanel::triggerWithAConfigStartsAManualRun()
{
    JobsWorkspace jobs;
    QVERIFY(jobs.open({{u"retrain"_s, kManualDag}}));
    MainWindow window;
    JobsPanel *panel = showJobs(window, *jobs.session);
    QVERIFY(panel);
    QTRY_COMPARE(panel->currentDagId(), u"retrain"_s);

    clickPanelAction(*panel, "triggerAction");
    QPointer<ui::TriggerDialog> dialog = panel->findChild<ui::TriggerDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto *config = child<QPlainTextEdit>(*dialog, "triggerConfig");
    auto *triggerButton = child<QPushButton>(*dialog, "triggerButton");
    auto *error = child<QLabel>(*dialog, "triggerError");
    // Filled in with the DAG's defaults.
    QVERIFY2(config->toPlainText().contains(u"\"topic\": \"fashion-mnist\""_s),
             qPrintable(config->toPlainText()));
    QVERIFY(triggerButton->isEnabled());

    // Not an object: refused, with where and why.
    config->selectAll();
    QTest::keyClicks(config, u"[1, 2]"_s);
    QVERIFY(!triggerButton->isEnabled());
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(u"JSON object"_s), qPrintable(error->text()));
    config->selectAll();
    QTest::keyClicks(config, u"{\"epochs\": 5"_s);
    QVERIFY(!triggerButton->isEnabled());
    QVERIFY2(error->text().startsWith(u"Line 1"_s), qPrintable(error->text()));
    QTest::keyClicks(config, u", \"note\": \"from the test\"}"_s);
    QVERIFY(triggerButton->isEnabled());
    QVERIFY(!error->isVisible());
    QTest::keyClicks(child<QLineEdit>(*dialog, "triggerRunId"), u"retrain-by-hand"_s);
    QTest::mouseClick(triggerButton, Qt::LeftButton);
    QTRY_VERIFY(!dialog);

    // A manual run with that config over the defaults.
    QTRY_VERIFY_WITH_TIMEOUT(!jobs.runs(u"retrain"_s).isEmpty(), 3000);
    const DagRunRecord run = jobs.runs(u"retrain"_s).first();
    QCOMPARE(run.runId, u"retrain-by-hand"_s);
    QVERIFY(run.type == RunType::Manual);
    QCOMPARE(run.conf.value(u"epochs"_s).toInt(), 5);
    QCOMPARE(run.conf.value(u"note"_s).toString(), u"from the test"_s);
    QCOMPARE(run.conf.value(u"topic"_s).toString(), u"fashion-mnist"_s);
    // The panel shows it, chosen, and says it was triggered.
    QTRY_VERIFY(columnOfRun(gridView(*panel), u"retrain-by-hand"_s) >= 0);
    QTRY_COMPARE(panel->currentRunRow(), run.row);
    QVERIFY2(labelText(*panel, "jobsNote").contains(u"retrain-by-hand"_s),
             qPrintable(labelText(*panel, "jobsNote")));

    // The same run id again: the scheduler refuses, and the panel says why.
    clickPanelAction(*panel, "triggerAction");
    dialog = panel->findChild<ui::TriggerDialog *>();
    QVERIFY(dialog);
    QTest::keyClicks(child<QLineEdit>(*dialog, "triggerRunId"), u"retrain-by-hand"_s);
    QTest::mouseClick(child<QPushButton>(*dialog, "triggerButton"), Qt::LeftButton);
    auto *actionError = child<QLabel>(*panel, "jobsActionError");
    QTRY_VERIFY(actionError->isVisible());
    QVERIFY2(actionError->text().contains(u"retrain-by-hand"_s), qPrintable(actionError->text()));
    QCOMPARE(jobs.runs(u"retrain"_s).size(), 1);
    window.detachSession();
}

void TestJobsPanel::brokenDagFileShowsItsError()
{
    JobsWorkspace jobs;
    const QString broken = uR"(schedule: "@daily"
start_date: 2026-01-01
tasks:
  - {id: drain, operator: noop}
  - {id: train, operator: trian, upstream: [drain]}
)"_s;
    QVERIFY(jobs.open({{u"often"_s, kOftenDag}, {u"broken"_s, broken}}));
    MainWindow window;
    JobsPanel *panel = showJobs(window, *jobs.session);
    QVERIFY(panel);
    auto *banner = child<ui::DagErrorsBanner>(*panel, "dagErrors");
    QVERIFY(banner);
    QTRY_VERIFY(banner->isVisible());
    QCOMPARE(banner->lines().size(), 1);
    const QString line = banner->lines().first();
    // file:line:column: message, naming the operator that is not there.
    QVERIFY2(line.startsWith(jobs.dagPath(u"broken"_s) + u":5:"_s), qPrintable(line));
    QVERIFY2(line.contains(u"trian"_s), qPrintable(line));
    QVERIFY2(labelText(*banner, "dagErrorsHeading").contains(u"1 DAG file"_s),
             qPrintable(labelText(*banner, "dagErrorsHeading")));
    // The good DAG is listed and runs; the broken one is not listed.
    auto *list = child<QTableView>(*panel, "dagList");
    const auto *model = static_cast<const ui::DagListModel *>(list->model());
    QTRY_COMPARE(model->rowCount(), 1);
    QCOMPARE(model->dagAt(0)->spec.id, u"often"_s);

    // Not even YAML: a second error, still no crash.
    QVERIFY(jobs.writeDag(u"garbled"_s, u"tasks: [unclosed\n"_s));
    QTRY_COMPARE(banner->lines().size(), 2);

    // Fixed and saved: the errors go and the DAGs come.
    QVERIFY(jobs.writeDag(u"broken"_s, QString(broken).replace(u"trian"_s, u"noop"_s)));
    QVERIFY(QFile::remove(jobs.dagPath(u"garbled"_s)));
    QTRY_VERIFY_WITH_TIMEOUT(!banner->isVisible(), 5000);
    QTRY_COMPARE(model->rowCount(), 2);
    QVERIFY(model->rowOfDag(u"broken"_s) >= 0);
    window.detachSession();
}

void TestJobsPanel::screenshot()
{
    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty()) {
        QVERIFY(fallback.isValid());
        outDir = fallback.path();
        qInfo().noquote() << "MILLRACE_SCREENSHOT_DIR not set; writing to" << outDir;
    }
    QVERIFY(QDir().mkpath(outDir));

    // The shipped pipeline's shape, sped up: a run every second, some failing their training
    // (and retrying once), some with nothing to promote.
    const QString pipeline = uR"(description: Fine-tune on drained batches, promote if better
schedule: "@every 1s"
start_date: 2026-01-01
catchup: false
max_active_runs: 2
tags: [pipeline, ml]
default_args: {retries: 1, retry_delay: 400ms}
tasks:
  - {id: drain_batch, operator: script, params: {sleep_ms: 120}}
  - {id: fine_tune, operator: script, upstream: [drain_batch], params: {sleep_ms: 500, steps: 5, fail_if_second_mod: 5}}
  - {id: evaluate, operator: script, upstream: [fine_tune], params: {sleep_ms: 200}}
  - {id: promote, operator: script, upstream: [evaluate], params: {sleep_ms: 80, skip_if_second_mod: 3}}
  - {id: archive_batch, operator: noop, upstream: [drain_batch]}
  - {id: report, operator: noop, upstream: [promote, archive_batch], trigger_rule: all_done}
)"_s;
    JobsWorkspace jobs;
    QVERIFY(jobs.open(
        {{u"update_model"_s, pipeline}, {u"stream"_s, kOftenDag}, {u"retrain"_s, kManualDag}}));
    millrace::LogBus bus;
    MainWindow window(&bus);
    const QSize size(1200, 780);
    JobsPanel *panel = showJobs(window, *jobs.session, size);
    QVERIFY(panel);
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restoreRules = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    auto *dock = child<QDockWidget>(window, "logDock");
    QVERIFY(dock);
    window.resizeDocks({dock}, {90}, Qt::Vertical);
    clickDag(*panel, u"update_model"_s);
    GridView *grid = gridView(*panel);
    QTRY_VERIFY_WITH_TIMEOUT(grid->model()->columnCount() >= 14, 30000);

    // A failed fine-tune, chosen, with its two tries.
    int failedColumn = -1;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int column = grid->model()->columnCount() - 1; column >= 0; --column) {
                const QVariant state =
                    grid->model()->index(1, column).data(GridModel::TaskStateRole);
                if (state.isValid() && TaskState(state.toInt()) == TaskState::Failed) {
                    failedColumn = column;
                    return true;
                }
            }
            return false;
        }(),
        15000);
    const qint64 failedRun =
        grid->model()->headerData(failedColumn, Qt::Horizontal, GridModel::RunRowRole).toLongLong();
    QTest::mouseClick(grid->viewport(), Qt::LeftButton, {},
                      grid->squareRect(failedRun, u"fine_tune"_s).center());
    auto *detail = child<TaskDetailPane>(*panel, "taskDetail");
    QTRY_COMPARE(labelText(*detail, "taskState"), u"failed"_s);
    QTRY_VERIFY(detail->logText().contains(u"validation loss went up"_s));
    QTRY_VERIFY(
        TaskState(grid->model()->index(2, failedColumn).data(GridModel::TaskStateRole).toInt())
        == TaskState::UpstreamFailed);

    const auto shoot = [&](const QString &name) {
        const QImage image = window.grab().toImage();
        const QString path = QDir(outDir).filePath(name);
        QVERIFY2(image.save(path), qPrintable(path));
        QCOMPARE(image.size(), size);
        QVERIFY(!QImage(path).isNull());
    };
    shoot(u"jobs-grid.png"_s);

    clickTab(*panel, "graphTab");
    auto *graph = child<ui::GraphView>(*panel, "graphView");
    QVERIFY(graph->nodeRect(u"report"_s).isValid());
    QVERIFY(graph->stateOf(u"fine_tune"_s) == TaskState::Failed);
    shoot(u"jobs-graph.png"_s);

    clickTab(*panel, "ganttTab");
    auto *gantt = child<ui::GanttChart>(*panel, "ganttChart");
    QVERIFY(!gantt->barRect(u"fine_tune"_s, 2).isEmpty()); // the retry
    QVERIFY(gantt->barRect(u"fine_tune"_s, 1).right() <= gantt->barRect(u"fine_tune"_s, 2).left());
    shoot(u"jobs-gantt.png"_s);
    window.detachSession();
}

QTEST_MAIN(TestJobsPanel)
#include "tst_jobspanel.moc"

// The Experiments panel's actions as a user meets them, in the main window on a real workspace:
// runs grouped by a param through the Group by button, runs deleted with the Delete key and
// restored with Show deleted on, experiments renamed (a taken name says so and changes nothing),
// created and deleted. Dialogs are answered as a user would; nothing waits a fixed time.

#include "guitestsupport.h"

#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/experimentspanel.h"
#include "ui/panels/experiments/rungroupmodel.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QFont>
#include <QHeaderView>
#include <QImage>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLoggingCategory>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>

#include <memory>

using millrace::ui::ExperimentsPanel;
using millrace::ui::MainWindow;
using millrace::ui::RunGroupModel;
using millrace::ui::RunTableModel;
using namespace millrace::testing;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

const qint64 kDay = QDateTime(QDate(2024, 6, 11), QTime(9, 0)).toMSecsSinceEpoch();

/// Creates a finished run with params and an accuracy in `experimentId`; returns its id.
QString logRun(TrackingStore &tracking, const QString &experimentId, const QString &name,
               qint64 start, const QList<QPair<QString, QString>> &params, double accuracy)
{
    auto run = tracking.createRun(experimentId, u"ada"_s, name, start, {});
    if (!run) {
        qWarning().noquote() << run.errorMessage();
        return QString();
    }
    const QString id = run->info.runId;
    auto logged =
        tracking.logBatch(id, {MetricPoint{u"acc"_s, accuracy, start + 1000, 1}}, params, {});
    auto updated = tracking.updateRun(id, RunStatus::Finished, start + 60000);
    if (!logged || !updated)
        qWarning().noquote() << logged.errorMessage() << updated.errorMessage();
    return id;
}

/// The row under `parent` whose column 0 reads `text`.
QModelIndex rowNamed(const QTreeView *view, const QString &text, const QModelIndex &parent = {})
{
    const int row = shownNames(view, parent).indexOf(text);
    return row < 0 ? QModelIndex() : view->model()->index(row, 0, parent);
}

void clickRow(QAbstractItemView *view, const QModelIndex &index,
              Qt::KeyboardModifiers modifiers = {})
{
    QVERIFY(index.isValid());
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers,
                      view->visualRect(index).center());
}

void clickHeader(QTreeView *view, int column)
{
    QHeaderView *header = view->header();
    const QPoint middle(header->sectionViewportPosition(column) + header->sectionSize(column) / 2,
                        header->height() / 2);
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, middle);
}

/// The visible dialog named `name` of type T, if one is open.
template <typename T> T *openDialog(const char *name)
{
    for (QWidget *widget : QApplication::topLevelWidgets()) {
        auto *dialog = qobject_cast<T *>(widget);
        if (dialog && dialog->isVisible() && dialog->objectName() == QLatin1String(name))
            return dialog;
    }
    return nullptr;
}

/// Clicks the accepting button of an open confirmation.
void acceptConfirmation(QMessageBox *box)
{
    for (QAbstractButton *button : box->buttons()) {
        if (box->buttonRole(button) == QMessageBox::AcceptRole) {
            QTest::mouseClick(button, Qt::LeftButton);
            return;
        }
    }
    QFAIL("the confirmation has no accept button");
}

/// Types `name` into an open name dialog and presses Enter.
void answerName(QInputDialog *dialog, const QString &name)
{
    auto *edit = dialog->findChild<QLineEdit *>();
    QVERIFY(edit);
    QTest::keyClick(edit, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(edit, name);
    QTest::keyClick(edit, Qt::Key_Return);
}

bool isItalic(const QModelIndex &index)
{
    return index.data(Qt::FontRole).value<QFont>().italic();
}

void clickCheckBox(QCheckBox *box)
{
    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
}

} // namespace

class TestRunActions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void groupByAParam();
    void deleteAndRestoreRuns();
    void renameCreateAndDeleteExperiments();

private:
    QTemporaryDir m_settingsDir;
};

void TestRunActions::initTestCase()
{
    useTestSettings(m_settingsDir, u"tst_runactions"_s);
}

void TestRunActions::groupByAParam()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    auto sweep = tracking.createExperiment(u"sweep"_s);
    VERIFY_OK(sweep);
    QMap<QString, QString> ids;
    ids[u"r1"_s] = logRun(tracking, *sweep, u"r1"_s, kDay, {{u"lr"_s, u"0.1"_s}}, 0.5);
    ids[u"r2"_s] = logRun(tracking, *sweep, u"r2"_s, kDay + 60000, {{u"lr"_s, u"0.1"_s}}, 0.7);
    ids[u"r3"_s] = logRun(tracking, *sweep, u"r3"_s, kDay + 120000, {{u"lr"_s, u"0.01"_s}}, 0.9);
    ids[u"r4"_s] = logRun(tracking, *sweep, u"r4"_s, kDay + 180000, {}, 0.2);

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *view = child<QTreeView>(window, "runTable");
    auto *groupBy = child<QToolButton>(window, "runGroupBy");
    auto *panel = child<ExperimentsPanel>(window, "experimentsPanel");
    auto *status = child<QLabel>(window, "runStatus");
    QVERIFY(view && groupBy && panel && status);
    QTRY_COMPARE(shownNames(view), (QStringList{u"r4"_s, u"r3"_s, u"r2"_s, u"r1"_s}));
    // Flat, it reads as a table: no branches.
    QVERIFY(!view->rootIsDecorated());
    QCOMPARE(groupBy->text(), u"Group by"_s);

    QVERIFY(chooseFromMenu(this, groupBy, u"lr"_s));
    QCOMPARE(groupBy->text(), u"Group: lr"_s);
    // Newest first: the group of the newest run leads; "(none)" holds r4.
    QTRY_COMPARE(shownNames(view), (QStringList{u"lr = (none) · 1 run"_s, u"lr = 0.01 · 1 run"_s,
                                                u"lr = 0.1 · 2 runs"_s}));
    QVERIFY(view->rootIsDecorated());
    const QModelIndex tenth = rowNamed(view, u"lr = 0.1 · 2 runs"_s);
    QVERIFY(view->isExpanded(tenth));
    QCOMPARE(shownNames(view, tenth), (QStringList{u"r2"_s, u"r1"_s}));
    const int acc = columnOf(view, u"metrics.acc"_s);
    QVERIFY(acc > 0);
    QCOMPARE(tenth.siblingAtColumn(acc).data().toString(), u"0.6"_s);
    QCOMPARE(tenth.siblingAtColumn(columnOf(view, u"params.lr"_s)).data().toString(), u"0.1"_s);

    // Sorting by accuracy orders the groups by their mean and the runs inside each.
    clickHeader(view, acc);
    const bool ascending = view->header()->sortIndicatorOrder() == Qt::AscendingOrder;
    const QStringList byMean{u"lr = 0.01 · 1 run"_s, u"lr = 0.1 · 2 runs"_s,
                             u"lr = (none) · 1 run"_s};
    QStringList expected = byMean;
    if (ascending)
        std::reverse(expected.begin(), expected.end());
    QCOMPARE(shownNames(view), expected);
    QCOMPARE(shownNames(view, rowNamed(view, u"lr = 0.1 · 2 runs"_s)),
             ascending ? (QStringList{u"r1"_s, u"r2"_s}) : (QStringList{u"r2"_s, u"r1"_s}));

    // Selecting a group row selects its runs, for comparing them.
    clickRow(view, rowNamed(view, u"lr = 0.1 · 2 runs"_s));
    const QStringList groupRuns = ascending ? QStringList{ids[u"r1"_s], ids[u"r2"_s]}
                                            : QStringList{ids[u"r2"_s], ids[u"r1"_s]};
    QCOMPARE(panel->selectedRunIdsInOrder(), groupRuns);
    QVERIFY2(status->text().contains(u"2 selected"_s), qPrintable(status->text()));
    // A run inside a group selects that run.
    clickRow(view, rowNamed(view, u"r3"_s, rowNamed(view, u"lr = 0.01 · 1 run"_s)));
    QCOMPARE(panel->selectedRunIdsInOrder(), QStringList{ids[u"r3"_s]});
    QTRY_COMPARE(child<QLabel>(window, "runDetailName")->text(), u"r3"_s);

    // A closed group stays closed, and the grouping stays, while runs are logged.
    view->collapse(rowNamed(view, u"lr = 0.1 · 2 runs"_s));
    ids[u"r5"_s] = logRun(tracking, *sweep, u"r5"_s, kDay + 240000, {{u"lr"_s, u"0.01"_s}}, 0.8);
    QTRY_VERIFY(rowNamed(view, u"lr = 0.01 · 2 runs"_s).isValid());
    const QModelIndex hundredth = rowNamed(view, u"lr = 0.01 · 2 runs"_s);
    QCOMPARE(shownNames(view, hundredth).size(), 2);
    QCOMPARE(hundredth.siblingAtColumn(acc).data().toString(), u"0.85"_s);
    QVERIFY(!view->isExpanded(rowNamed(view, u"lr = 0.1 · 2 runs"_s)));
    QVERIFY(view->isExpanded(hundredth));
    QCOMPARE(panel->selectedRunIdsInOrder(), QStringList{ids[u"r3"_s]});

    const QString shots = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        view->expandAll();
        QVERIFY(QDir().mkpath(shots));
        const QString path = QDir(shots).filePath(u"runs-grouped.png"_s);
        QVERIFY2(window.grab().toImage().save(path), qPrintable(path));
    }

    // Back to flat: the same runs as a table again, r3 still selected.
    QVERIFY(chooseFromMenu(this, groupBy, u"None"_s));
    QTRY_COMPARE(view->model()->rowCount(), 5);
    QVERIFY(!view->rootIsDecorated());
    QCOMPARE(panel->selectedRunIdsInOrder(), QStringList{ids[u"r3"_s]});
    window.detachSession();
}

void TestRunActions::deleteAndRestoreRuns()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    QMap<QString, QString> ids;
    qint64 start = kDay;
    for (const QString &name : {u"a"_s, u"b"_s, u"c"_s}) {
        ids[name] = logRun(tracking, u"0"_s, name, start, {}, 0.5);
        start += 60000;
    }

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *view = child<QTreeView>(window, "runTable");
    auto *showDeleted = child<QCheckBox>(window, "showDeleted");
    auto *deleteRuns = child<QAction>(window, "deleteRunsAction");
    auto *restoreRuns = child<QAction>(window, "restoreRunsAction");
    QVERIFY(view && showDeleted && deleteRuns && restoreRuns);
    QTRY_COMPARE(shownNames(view), (QStringList{u"c"_s, u"b"_s, u"a"_s}));

    // Select a and b, press Delete, confirm.
    clickRow(view, rowNamed(view, u"a"_s));
    clickRow(view, rowNamed(view, u"b"_s), Qt::ControlModifier);
    QVERIFY(deleteRuns->isEnabled());
    QVERIFY(!restoreRuns->isEnabled());
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Delete);
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = openDialog<QMessageBox>("confirmDialog")) != nullptr);
    QVERIFY2(box->text().contains(u"Delete 2 runs?"_s), qPrintable(box->text()));
    acceptConfirmation(box);
    QTRY_COMPARE(shownNames(view), QStringList{u"c"_s});
    auto runA = tracking.run(ids[u"a"_s]);
    VERIFY_OK(runA);
    QVERIFY(runA->info.lifecycleStage == LifecycleStage::Deleted);

    // Cancelling deletes nothing.
    clickRow(view, rowNamed(view, u"c"_s));
    deleteRuns->trigger();
    QTRY_VERIFY((box = openDialog<QMessageBox>("confirmDialog")) != nullptr);
    QVERIFY2(box->text().contains(u"“c”"_s), qPrintable(box->text()));
    QTest::keyClick(box, Qt::Key_Escape);
    QTRY_VERIFY(!openDialog<QMessageBox>("confirmDialog"));

    // With Show deleted on they are back, in italics, and one can be restored.
    clickCheckBox(showDeleted);
    QTRY_COMPARE(shownNames(view), (QStringList{u"c"_s, u"b"_s, u"a"_s}));
    QVERIFY(isItalic(rowNamed(view, u"a"_s)));
    QVERIFY(!isItalic(rowNamed(view, u"c"_s)));
    clickRow(view, rowNamed(view, u"a"_s));
    QVERIFY(restoreRuns->isEnabled());
    QVERIFY(!deleteRuns->isEnabled());
    restoreRuns->trigger();
    QTRY_VERIFY(!isItalic(rowNamed(view, u"a"_s)));
    QVERIFY(isItalic(rowNamed(view, u"b"_s)));
    QVERIFY(deleteRuns->isEnabled());

    clickCheckBox(showDeleted);
    QTRY_COMPARE(shownNames(view), (QStringList{u"c"_s, u"a"_s}));
    auto runB = tracking.run(ids[u"b"_s]);
    VERIFY_OK(runB);
    QVERIFY(runB->info.lifecycleStage == LifecycleStage::Deleted);
    window.detachSession();
}

void TestRunActions::renameCreateAndDeleteExperiments()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    auto alpha = tracking.createExperiment(u"alpha"_s);
    VERIFY_OK(alpha);
    VERIFY_OK(tracking.createExperiment(u"beta"_s));

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *experiments = child<QTreeView>(window, "experimentList");
    auto *error = child<QLabel>(window, "actionError");
    auto *rename = child<QAction>(window, "renameExperimentAction");
    auto *create = child<QAction>(window, "newExperimentAction");
    auto *remove = child<QAction>(window, "deleteExperimentsAction");
    auto *restore = child<QAction>(window, "restoreExperimentsAction");
    auto *showDeleted = child<QCheckBox>(window, "showDeleted");
    QVERIFY(experiments && error && rename && create && remove && restore && showDeleted);
    QTRY_COMPARE(shownNames(experiments), (QStringList{u"alpha"_s, u"beta"_s, u"Default"_s}));

    // The Default experiment cannot be deleted; the action says so by being off.
    clickRow(experiments, rowNamed(experiments, u"Default"_s));
    QVERIFY(!remove->isEnabled());
    QVERIFY(rename->isEnabled());

    // Rename alpha with F2.
    clickRow(experiments, rowNamed(experiments, u"alpha"_s));
    experiments->setFocus();
    QTest::keyClick(experiments, Qt::Key_F2);
    QInputDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = openDialog<QInputDialog>("experimentNameDialog")) != nullptr);
    QCOMPARE(dialog->textValue(), u"alpha"_s);
    answerName(dialog, u"gamma"_s);
    QTRY_COMPARE(shownNames(experiments), (QStringList{u"beta"_s, u"Default"_s, u"gamma"_s}));
    QVERIFY(!error->isVisible());

    // A name already taken: the store's message shows, and nothing changes.
    clickRow(experiments, rowNamed(experiments, u"gamma"_s));
    rename->trigger();
    QTRY_VERIFY((dialog = openDialog<QInputDialog>("experimentNameDialog")) != nullptr);
    answerName(dialog, u"beta"_s);
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(u"Experiment 'beta' already exists."_s),
             qPrintable(error->text()));
    QCOMPARE(shownNames(experiments), (QStringList{u"beta"_s, u"Default"_s, u"gamma"_s}));
    auto gamma = tracking.experiment(*alpha);
    VERIFY_OK(gamma);
    QCOMPARE(gamma->name, u"gamma"_s);
    QVERIFY(rename->isEnabled());

    // A new experiment opens once listed; the next write that works clears the complaint.
    create->trigger();
    QTRY_VERIFY((dialog = openDialog<QInputDialog>("experimentNameDialog")) != nullptr);
    answerName(dialog, u"delta"_s);
    QTRY_COMPARE(shownNames(experiments),
                 (QStringList{u"beta"_s, u"Default"_s, u"delta"_s, u"gamma"_s}));
    QTRY_COMPARE(experiments->selectionModel()->selectedRows().size(), 1);
    QTRY_COMPARE(experiments->selectionModel()->selectedRows().at(0).data().toString(), u"delta"_s);
    QVERIFY(!error->isVisible());

    // Delete it, confirmed; with Show deleted it is back in italics and can be restored.
    QVERIFY(remove->isEnabled());
    remove->trigger();
    QMessageBox *box = nullptr;
    QTRY_VERIFY((box = openDialog<QMessageBox>("confirmDialog")) != nullptr);
    QVERIFY2(box->text().contains(u"“delta”"_s), qPrintable(box->text()));
    acceptConfirmation(box);
    QTRY_COMPARE(shownNames(experiments), (QStringList{u"beta"_s, u"Default"_s, u"gamma"_s}));
    auto delta = tracking.experimentByName(u"delta"_s);
    VERIFY_OK(delta);
    QVERIFY(delta->lifecycleStage == LifecycleStage::Deleted);

    clickCheckBox(showDeleted);
    QTRY_VERIFY(rowNamed(experiments, u"delta"_s).isValid());
    QVERIFY(isItalic(rowNamed(experiments, u"delta"_s)));
    clickRow(experiments, rowNamed(experiments, u"delta"_s));
    QVERIFY(restore->isEnabled());
    QVERIFY(!rename->isEnabled());
    restore->trigger();
    QTRY_VERIFY(!isItalic(rowNamed(experiments, u"delta"_s)));
    window.detachSession();
}

QTEST_MAIN(TestRunActions)
#include "tst_runactions.moc"

// The Registry panel as a user meets it, in the main window on a real workspace: a registered
// model with versions made from runs whose artifacts hold a model. Promoting a version through
// the toolbar and the confirmation dialog (with and without archiving the version in Production),
// the set-alias dialog refusing a reserved name, the source run link and Compare Versions opening
// the Experiments panel, and the README screenshot. Real widgets are clicked under the offscreen
// platform; every wait is for something a user would see, never a fixed time.

#include "guitestsupport.h"

#include "core/base/logbus.h"
#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/experimentspanel.h"
#include "ui/panels/registry/historymodel.h"
#include "ui/panels/registry/promotiondialog.h"
#include "ui/panels/registry/registryactions.h"
#include "ui/panels/registry/registrypanel.h"
#include "ui/panels/registry/setaliasdialog.h"
#include "ui/panels/registry/versiontablemodel.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QCheckBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QLoggingCategory>
#include <QPushButton>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QToolBar>
#include <QTreeView>
#include <QTreeWidget>

#include <memory>

using millrace::ui::HistoryModel;
using millrace::ui::MainWindow;
using millrace::ui::PromotionDialog;
using millrace::ui::SetAliasDialog;
using millrace::ui::VersionTableModel;
using namespace millrace;
using namespace millrace::registry;
using namespace millrace::testing;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

/// The Registry entry's row in the sidebar.
constexpr int kRegistryRow = 3;
const QString kModel = u"fashion-cnn"_s;

/// Logs a finished run with `metrics` and `params` whose artifacts hold a `model/` folder, as a
/// training job leaves it; returns the run's id.
QString logModelRun(TrackingStore &tracking, const QString &experimentId, const QString &name,
                    qint64 start, const QList<QPair<QString, double>> &metrics,
                    const KeyValueList &params)
{
    auto run = tracking.createRun(experimentId, u"ada"_s, name, start, {});
    if (!run) {
        qWarning().noquote() << run.errorMessage();
        return QString();
    }
    const QString id = run->info.runId;
    QList<MetricPoint> points;
    for (const auto &[key, value] : metrics)
        points.append(MetricPoint{key, value, start + 60000, 5});
    QList<QPair<QString, QString>> paramList;
    for (const KeyValue &param : params)
        paramList.append({param.key, param.value});
    auto logged = tracking.logBatch(id, points, paramList, {});
    auto ended = tracking.updateRun(id, RunStatus::Finished, start + 95000);
    auto folder = tracking.runArtifactDirectory(id);
    if (!logged || !ended || !folder) {
        qWarning() << "could not log the run" << name;
        return QString();
    }
    const QDir model(QDir(*folder).filePath(u"model"_s));
    QDir().mkpath(model.path());
    QFile mlmodel(model.filePath(u"MLmodel"_s));
    QFile weights(model.filePath(u"weights.pt"_s));
    if (!mlmodel.open(QIODevice::WriteOnly) || !weights.open(QIODevice::WriteOnly))
        return QString();
    mlmodel.write("artifact_path: model\nflavors:\n  millrace:\n    architecture: image-cnn\n");
    weights.write(QByteArray(4096, '\x2a'));
    return id;
}

/// Registers a version of `model` from the run `runId`'s model folder; returns its number.
qint64 registerVersion(RegistryStore &registry, const QString &model, const QString &runId)
{
    NewModelVersion request;
    request.name = model;
    request.source = u"runs:/%1/model"_s.arg(runId);
    auto version = registry.createModelVersion(request, {u"pipeline update_model"_s, QString()});
    if (!version) {
        qWarning().noquote() << version.errorMessage();
        return 0;
    }
    if (version->status != VersionStatus::Ready)
        qWarning().noquote() << "version" << version->version
                             << "is not READY:" << version->statusMessage;
    return version->version;
}

/// A workspace with the model fashion-cnn: v1 from a run with test_accuracy 0.9105 in
/// Production, v2 from a better run (0.9312) not yet in a stage.
struct TwoVersions
{
    OpenWorkspace workspace;
    QString experimentId;
    QString firstRun;
    QString secondRun;

    bool setUp()
    {
        if (!workspace.open())
            return false;
        TrackingStore &tracking = workspace.tracking();
        RegistryStore &registry = workspace.session->registry();
        auto experiment = tracking.createExperiment(u"fashion-mnist-cnn"_s);
        if (!experiment)
            return false;
        experimentId = *experiment;
        const qint64 start = QDateTime::currentMSecsSinceEpoch() - 3600000;
        firstRun = logModelRun(tracking, experimentId, u"initial_model"_s, start,
                               {{u"test_accuracy"_s, 0.9105}, {u"test_loss"_s, 0.2544}},
                               {{u"lr"_s, u"0.001"_s}, {u"epochs"_s, u"5"_s}});
        secondRun = logModelRun(tracking, experimentId, u"update_model"_s, start + 600000,
                                {{u"test_accuracy"_s, 0.9312}, {u"test_loss"_s, 0.1987}},
                                {{u"lr"_s, u"0.0005"_s}, {u"epochs"_s, u"5"_s}});
        if (firstRun.isEmpty() || secondRun.isEmpty())
            return false;
        if (!registry.createRegisteredModel(kModel, u"CNN on Fashion-MNIST"_s))
            return false;
        if (registerVersion(registry, kModel, firstRun) != 1
            || registerVersion(registry, kModel, secondRun) != 2)
            return false;
        return bool(registry.transitionStage(kModel, 1, Stage::Production, false,
                                             {u"ada (Millrace UI)"_s, u"first model"_s}));
    }
    RegistryStore &registry() const { return workspace.session->registry(); }
};

/// Clicks the Registry entry of the sidebar where a user would and checks the panel shows.
void openRegistry(MainWindow &window)
{
    auto *list = child<QListWidget>(window, "panelList");
    QVERIFY(list);
    QCOMPARE(list->item(kRegistryRow)->text(), u"Registry"_s);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(kRegistryRow)).center());
    QCOMPARE(child<QStackedWidget>(window, "panelStack")->currentWidget()->objectName(),
             u"registryPanel"_s);
}

/// The row of version `version` in the version table, or -1.
int rowOfVersion(const QTableView *view, qint64 version)
{
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        if (view->model()->index(row, 0).data(VersionTableModel::VersionRole).toLongLong()
            == version)
            return row;
    }
    return -1;
}

/// What the version table shows for `version` in `column`.
QString shownCell(const QTableView *view, qint64 version, int column)
{
    const int row = rowOfVersion(view, version);
    return row < 0 ? u"<no v%1>"_s.arg(version)
                   : view->model()->index(row, column).data().toString();
}

/// Clicks the row of `version` in the Version column, with `modifiers` held.
void clickVersion(QTableView *view, qint64 version, Qt::KeyboardModifiers modifiers = {})
{
    const QModelIndex index =
        view->model()->index(rowOfVersion(view, version), VersionTableModel::VersionColumn);
    QVERIFY(index.isValid());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers,
                      view->visualRect(index).center());
}

/// Clicks the toolbar button of the panel action `name`, which must be enabled.
void clickAction(const MainWindow &window, const char *name)
{
    auto *toolbar = child<QToolBar>(window, "registryToolBar");
    QVERIFY(toolbar);
    auto *action = child<QAction>(window, name);
    QVERIFY2(action, name);
    QVERIFY2(action->isEnabled(), name);
    QWidget *button = toolbar->widgetForAction(action);
    QVERIFY2(button && button->isVisible(), name);
    QTest::mouseClick(button, Qt::LeftButton);
}

/// The timeline's rows, newest first, as one line each.
QStringList timeline(const QListView *view)
{
    QStringList rows;
    for (int row = 0; row < view->model()->rowCount(); ++row)
        rows << view->model()->index(row, 0).data().toString();
    return rows;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

/// Whether some row of `rows` contains every one of `parts`.
bool anyRowHas(const QStringList &rows, const QStringList &parts)
{
    for (const QString &row : rows) {
        bool all = true;
        for (const QString &part : parts)
            all = all && row.contains(part);
        if (all)
            return true;
    }
    return false;
}

/// The comparison row named `key` of the promotion dialog (in any section), or null.
QTreeWidgetItem *comparisonRow(const QTreeWidget *tree, const QString &key)
{
    for (int section = 0; section < tree->topLevelItemCount(); ++section) {
        QTreeWidgetItem *parent = tree->topLevelItem(section);
        for (int row = 0; row < parent->childCount(); ++row) {
            if (parent->child(row)->text(0) == key)
                return parent->child(row);
        }
    }
    return nullptr;
}

} // namespace

class TestRegistryPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void promotingArchivesTheProductionVersion();
    void promotingWithoutArchivingKeepsBoth();
    void aliasDialogRefusesReservedNames();
    void sourceRunAndCompareOpenTheExperimentsPanel();
    void exportAsksForOneReadyVersion();
    void modelsTest();
    void screenshot();

private:
    /// Shows `window` on `session` and opens the Registry panel with fashion-cnn's versions.
    QTableView *showRegistry(MainWindow &window, Session &session, int versions);
    /// Promotes `version` to Production through the toolbar and the dialog, with the archive
    /// box set to `archive` and `reason` typed, checking what the dialog compares on the way.
    /// With `archive` it clicks Promote, else it presses Enter in the reason.
    void promote(MainWindow &window, qint64 version, bool archive, const QString &reason);

    QTemporaryDir m_settingsDir;
};

void TestRegistryPanel::initTestCase()
{
    useTestSettings(m_settingsDir, u"tst_registrypanel"_s);
    QVERIFY(QSettings().fileName().startsWith(m_settingsDir.path()));
}

void TestRegistryPanel::init()
{
    QSettings settings;
    settings.clear();
    settings.sync();
}

QTableView *TestRegistryPanel::showRegistry(MainWindow &window, Session &session, int versions)
{
    showWindow(window, {1200, 780});
    window.attachSession(session);
    openRegistry(window);
    auto *table = child<QTableView>(window, "versionTable");
    if (!table)
        return nullptr;
    // The first model is shown once the panel has read the registry.
    [&] { QTRY_COMPARE(table->model()->rowCount(), versions); }();
    return table;
}

void TestRegistryPanel::promote(MainWindow &window, qint64 version, bool archive,
                                const QString &reason)
{
    auto *table = child<QTableView>(window, "versionTable");
    clickVersion(table, version);
    QCOMPARE(table->selectionModel()->selectedRows().size(), 1);
    clickAction(window, "promoteProductionAction");
    if (QTest::currentTestFailed())
        return;
    PromotionDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<PromotionDialog *>(u"promotionDialog"_s))
                && dialog->isVisible());

    // The version and the one in Production now, side by side.
    auto *comparison = child<QTreeWidget>(*dialog, "promotionComparison");
    QVERIFY(comparison);
    QCOMPARE(comparison->columnCount(), 3);
    QVERIFY2(comparison->headerItem()->text(1).contains(u"v%1"_s.arg(version)),
             qPrintable(comparison->headerItem()->text(1)));
    QVERIFY2(comparison->headerItem()->text(2).contains(u"v1"_s),
             qPrintable(comparison->headerItem()->text(2)));
    const QTreeWidgetItem *accuracy = comparisonRow(comparison, u"test_accuracy"_s);
    QVERIFY(accuracy);
    QVERIFY2(accuracy->text(1).startsWith(u"0.9312"_s), qPrintable(accuracy->text(1)));
    QCOMPARE(accuracy->text(2), u"0.9105"_s);
    const QTreeWidgetItem *loss = comparisonRow(comparison, u"test_loss"_s);
    QVERIFY(loss);
    QVERIFY2(loss->text(1).startsWith(u"0.1987"_s), qPrintable(loss->text(1)));
    QCOMPARE(loss->text(2), u"0.2544"_s);
    // Only the params that differ: lr, not epochs.
    const QTreeWidgetItem *lr = comparisonRow(comparison, u"lr"_s);
    QVERIFY(lr);
    QCOMPARE(lr->text(1), u"0.0005"_s);
    QCOMPARE(lr->text(2), u"0.001"_s);
    QVERIFY(!comparisonRow(comparison, u"epochs"_s));
    const QTreeWidgetItem *run = comparisonRow(comparison, u"Source run"_s);
    QVERIFY(run);
    QCOMPARE(run->text(1), u"update_model"_s);
    QCOMPARE(run->text(2), u"initial_model"_s);

    auto *archiveBox = child<QCheckBox>(*dialog, "archiveExisting");
    QVERIFY(archiveBox);
    QVERIFY(archiveBox->isVisible());
    QVERIFY2(archiveBox->text().contains(u"Production version (v1)"_s),
             qPrintable(archiveBox->text()));
    QVERIFY2(archiveBox->isChecked(), "archiving the Production version is the default");
    if (!archive)
        QTest::mouseClick(archiveBox, Qt::LeftButton, {},
                          QPoint(8, archiveBox->height() / 2)); // on the box itself
    QCOMPARE(archiveBox->isChecked(), archive);

    auto *reasonEdit = child<QLineEdit>(*dialog, "promotionReason");
    QVERIFY(reasonEdit);
    QTest::keyClicks(reasonEdit, reason);
    auto *promoteButton = child<QPushButton>(*dialog, "promoteButton");
    QVERIFY(promoteButton);
    // A click on Promote, or Enter in the reason: both promote.
    if (archive)
        QTest::mouseClick(promoteButton, Qt::LeftButton);
    else
        QTest::keyClick(reasonEdit, Qt::Key_Return);
    QTRY_VERIFY(!window.findChild<PromotionDialog *>(u"promotionDialog"_s));
}

void TestRegistryPanel::promotingArchivesTheProductionVersion()
{
    TwoVersions setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    QTableView *table = showRegistry(window, *setup.workspace.session, 2);
    QVERIFY(table);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(shownCell(table, 1, VersionTableModel::StageColumn), u"Production"_s);
    QCOMPARE(shownCell(table, 2, VersionTableModel::StageColumn), u"None"_s);
    QCOMPARE(shownCell(table, 2, VersionTableModel::StatusColumn), u"Ready"_s);
    QCOMPARE(shownCell(table, 2, VersionTableModel::SourceRunColumn), u"update_model"_s);
    // The headline metric of each source run is a column.
    const int accuracyColumn = VersionTableModel::FixedColumnCount;
    QCOMPARE(table->model()->headerData(accuracyColumn, Qt::Horizontal).toString(),
             u"test_accuracy"_s);
    QCOMPARE(shownCell(table, 2, accuracyColumn), u"0.9312"_s);
    QCOMPARE(shownCell(table, 1, accuracyColumn), u"0.9105"_s);

    const QString reason = u"Better test accuracy on the fixed test set"_s;
    promote(window, 2, true, reason);
    if (QTest::currentTestFailed())
        return;

    // The table follows: v2 in Production, v1 archived by the promotion.
    QTRY_COMPARE(shownCell(table, 2, VersionTableModel::StageColumn), u"Production"_s);
    QCOMPARE(shownCell(table, 1, VersionTableModel::StageColumn), u"Archived"_s);
    auto *history = child<QListView>(window, "historyView");
    QVERIFY(history);
    QTRY_VERIFY(anyRowHas(timeline(history), {u"v2: None → Production"_s, reason}));
    QVERIFY2(anyRowHas(timeline(history), {u"v1: Production → Archived"_s,
                                           u"archived as version 2 moved to Production"_s}),
             qPrintable(timeline(history).join(u'\n')));
    // Newest first: the promotion is above the registration of v2.
    const QStringList rows = timeline(history);
    QVERIFY(rows.indexOf(QRegularExpression(u".*v2: None → Production.*"_s))
            < rows.indexOf(QRegularExpression(u".*v2 registered.*"_s)));
    QVERIFY(!child<QLabel>(window, "registryError")->isVisible());
    QVERIFY(!child<QWidget>(window, "registryBusy")->isVisible());

    // And the store agrees, with the user's name and reason in the history.
    auto v1 = setup.registry().modelVersion(kModel, 1);
    auto v2 = setup.registry().modelVersion(kModel, 2);
    VERIFY_OK(v1);
    VERIFY_OK(v2);
    QCOMPARE(toString(v2->stage), u"Production"_s);
    QCOMPARE(toString(v1->stage), u"Archived"_s);
    auto events = setup.registry().history(kModel);
    VERIFY_OK(events);
    const RegistryEvent &promoted = events->constLast();
    QCOMPARE(promoted.version, 2);
    QVERIFY(promoted.toStage == Stage::Production);
    QCOMPARE(promoted.actor, ui::RegistryActions::actorName());
    QVERIFY(promoted.actor.endsWith(u" (Millrace UI)"_s));
    QCOMPARE(promoted.reason, reason);
    window.detachSession();
}

void TestRegistryPanel::promotingWithoutArchivingKeepsBoth()
{
    TwoVersions setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    QTableView *table = showRegistry(window, *setup.workspace.session, 2);
    QVERIFY(table);
    if (QTest::currentTestFailed())
        return;
    promote(window, 2, false, u"Serve both for a day"_s);
    if (QTest::currentTestFailed())
        return;

    QTRY_COMPARE(shownCell(table, 2, VersionTableModel::StageColumn), u"Production"_s);
    QCOMPARE(shownCell(table, 1, VersionTableModel::StageColumn), u"Production"_s);
    auto *history = child<QListView>(window, "historyView");
    QTRY_VERIFY(anyRowHas(timeline(history), {u"v2: None → Production"_s}));
    QVERIFY(!anyRowHas(timeline(history), {u"Archived"_s}));
    auto v1 = setup.registry().modelVersion(kModel, 1);
    VERIFY_OK(v1);
    QCOMPARE(toString(v1->stage), u"Production"_s);
    window.detachSession();
}

void TestRegistryPanel::aliasDialogRefusesReservedNames()
{
    TwoVersions setup;
    QVERIFY(setup.setUp());
    auto before = setup.registry().history(kModel);
    VERIFY_OK(before);
    MainWindow window;
    QTableView *table = showRegistry(window, *setup.workspace.session, 2);
    QVERIFY(table);
    if (QTest::currentTestFailed())
        return;
    clickVersion(table, 2);
    clickAction(window, "setAliasAction");
    if (QTest::currentTestFailed())
        return;
    SetAliasDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<SetAliasDialog *>(u"setAliasDialog"_s))
                && dialog->isVisible());
    auto *name = child<QLineEdit>(*dialog, "aliasName");
    auto *message = child<QLabel>(*dialog, "aliasMessage");
    auto *setButton = child<QPushButton>(*dialog, "setAliasButton");
    QVERIFY(name && message && setButton);

    for (const QString &reserved : {u"latest"_s, u"Latest"_s, u"v3"_s, u"champion!"_s}) {
        name->selectAll();
        QTest::keyClicks(name, reserved);
        QCOMPARE(name->text(), reserved);
        QVERIFY2(!setButton->isEnabled(), qPrintable(reserved));
        QVERIFY(message->isVisible());
        const QString why = reserved.endsWith(u'!') ? u"only contain"_s : u"reserved"_s;
        QVERIFY2(message->text().contains(why), qPrintable(message->text()));
        // Enter does not get past it either.
        QTest::keyClick(name, Qt::Key_Return);
        QVERIFY2(dialog->isVisible(), qPrintable(reserved));
    }
    auto *buttons = dialog->findChild<QDialogButtonBox *>();
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<SetAliasDialog *>(u"setAliasDialog"_s));
    // Nothing was written: no alias, no new history entry, no error.
    auto model = setup.registry().registeredModel(kModel);
    VERIFY_OK(model);
    QVERIFY(model->aliases.isEmpty());
    auto after = setup.registry().history(kModel);
    VERIFY_OK(after);
    QCOMPARE(after->size(), before->size());
    QVERIFY(!child<QLabel>(window, "registryError")->isVisible());
    QCOMPARE(shownCell(table, 2, VersionTableModel::AliasesColumn), QString());

    // A good name goes through, and shows as a chip and in the history.
    clickAction(window, "setAliasAction");
    QTRY_VERIFY((dialog = window.findChild<SetAliasDialog *>(u"setAliasDialog"_s))
                && dialog->isVisible());
    name = child<QLineEdit>(*dialog, "aliasName");
    QTest::keyClicks(name, u"champion"_s);
    QVERIFY(child<QPushButton>(*dialog, "setAliasButton")->isEnabled());
    QTest::keyClick(name, Qt::Key_Return);
    QTRY_COMPARE(shownCell(table, 2, VersionTableModel::AliasesColumn), u"champion"_s);
    QTRY_VERIFY(
        anyRowHas(timeline(child<QListView>(window, "historyView")), {u"@champion → v2"_s}));
    window.detachSession();
}

void TestRegistryPanel::sourceRunAndCompareOpenTheExperimentsPanel()
{
    TwoVersions setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    QTableView *table = showRegistry(window, *setup.workspace.session, 2);
    QVERIFY(table);
    if (QTest::currentTestFailed())
        return;
    auto *stack = child<QStackedWidget>(window, "panelStack");
    auto *experiments = child<ui::ExperimentsPanel>(window, "experimentsPanel");
    QVERIFY(experiments);

    // The source run of v1 is a link to the run.
    const QModelIndex link =
        table->model()->index(rowOfVersion(table, 1), VersionTableModel::SourceRunColumn);
    QVERIFY(link.data(VersionTableModel::LinkRole).toBool());
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(link).center());
    QCOMPARE(stack->currentWidget(), experiments);
    QTRY_COMPARE(experiments->selectedRunIdsInOrder(), QStringList{setup.firstRun});
    QTRY_COMPARE(child<QLabel>(window, "runDetailName")->text(), u"initial_model"_s);

    // Compare Versions on both: the compare view on both source runs.
    openRegistry(window);
    clickVersion(table, 1);
    clickVersion(table, 2, Qt::ControlModifier);
    QCOMPARE(table->selectionModel()->selectedRows().size(), 2);
    clickAction(window, "compareVersionsAction");
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(stack->currentWidget(), experiments);
    QTRY_COMPARE(sorted(experiments->selectedRunIdsInOrder()),
                 sorted({setup.firstRun, setup.secondRun}));
    auto *tabs = child<QTabWidget>(window, "runLowerTabs");
    QTRY_COMPARE(tabs->currentWidget()->objectName(), u"compareView"_s);
    window.detachSession();
}

void TestRegistryPanel::exportAsksForOneReadyVersion()
{
    TwoVersions setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    QTableView *table = showRegistry(window, *setup.workspace.session, 2);
    QVERIFY(table);
    if (QTest::currentTestFailed())
        return;
    auto *panel = child<ui::RegistryPanel>(window, "registryPanel");
    auto *action = child<QAction>(window, "exportOnnxAction");
    QVERIFY(panel && action);
    QSignalSpy asked(panel, &ui::RegistryPanel::exportToOnnxRequested);
    QVERIFY(!action->isEnabled()); // nothing selected
    clickVersion(table, 1);
    clickVersion(table, 2, Qt::ControlModifier);
    QVERIFY(!action->isEnabled()); // two selected
    clickVersion(table, 2);
    clickAction(window, "exportOnnxAction");
    QCOMPARE(asked.size(), 1);
    QCOMPARE(asked.at(0).at(0).toString(), kModel);
    QCOMPARE(asked.at(0).at(1).toLongLong(), 2);
    window.detachSession();
}

void TestRegistryPanel::modelsTest()
{
    // The panel's item models behave as Qt's views expect, through a reload and a new version.
    TwoVersions setup;
    QVERIFY(setup.setUp());
    MainWindow window;
    QTableView *table = showRegistry(window, *setup.workspace.session, 2);
    QVERIFY(table);
    if (QTest::currentTestFailed())
        return;
    auto *history = child<QListView>(window, "historyView");
    auto *models = child<QListView>(window, "modelList");
    QAbstractItemModelTester versionTester(table->model(),
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester historyTester(history->model(),
                                           QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester modelTester(models->model(),
                                         QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString third =
        logModelRun(setup.workspace.tracking(), setup.experimentId, u"third"_s,
                    QDateTime::currentMSecsSinceEpoch(), {{u"accuracy"_s, 0.5}}, {});
    QCOMPARE(registerVersion(setup.registry(), kModel, third), 3);
    QVERIFY(setup.registry().createRegisteredModel(u"another"_s));
    QTRY_COMPARE(table->model()->rowCount(), 3);
    QTRY_COMPARE(models->model()->rowCount(), 2);
    // Typing in the filter narrows the list.
    QTest::keyClicks(child<QLineEdit>(window, "modelFilter"), u"anoth"_s);
    QCOMPARE(models->model()->rowCount(), 1);
    QCOMPARE(models->model()->index(0, 0).data().toString(), u"another"_s);
    window.detachSession();
}

void TestRegistryPanel::screenshot()
{
    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty()) {
        QVERIFY(fallback.isValid());
        outDir = fallback.path();
        qInfo().noquote() << "MILLRACE_SCREENSHOT_DIR not set; writing to" << outDir;
    }
    QVERIFY(QDir().mkpath(outDir));

    // The shipped pipeline's story: a first model, daily updates judged against the champion,
    // one promoted, one kept out, one staged by hand for an A/B test, the newest just registered.
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    RegistryStore &registry = workspace.session->registry();
    auto experiment = tracking.createExperiment(u"fashion-mnist-cnn"_s);
    VERIFY_OK(experiment);
    const qint64 base =
        QDateTime(QDate::currentDate().addDays(-6), QTime(9, 0)).toMSecsSinceEpoch();
    struct Update
    {
        QString run;
        double testAccuracy;
        double testLoss;
        double valAccuracy;
        QString lr;
    };
    const QList<Update> updates = {
        {u"initial_model"_s, 0.8812, 0.3291, 0.8745, u"0.001"_s},
        {u"update_model-1"_s, 0.8934, 0.2987, 0.8871, u"0.0005"_s},
        {u"update_model-2"_s, 0.8921, 0.3012, 0.8866, u"0.0003"_s},
        {u"update_model-3"_s, 0.8967, 0.2921, 0.8902, u"0.0005"_s},
    };
    QStringList runs;
    for (int i = 0; i < int(updates.size()); ++i) {
        const Update &update = updates.at(i);
        const qint64 start = base + qint64(i) * 86400000;
        const QString name =
            i == 0 ? update.run
                   : u"update_model-"_s
                         + QDateTime::fromMSecsSinceEpoch(start).toString(u"yyyy-MM-dd"_s);
        runs << logModelRun(tracking, *experiment, name, start,
                            {{u"test_accuracy"_s, update.testAccuracy},
                             {u"test_loss"_s, update.testLoss},
                             {u"val_accuracy"_s, update.valAccuracy},
                             {u"accuracy"_s, update.valAccuracy + 0.012}},
                            {{u"lr"_s, update.lr},
                             {u"epochs"_s, i == 0 ? u"5"_s : u"2"_s},
                             {u"batch_size"_s, u"128"_s}});
        QVERIFY(!runs.constLast().isEmpty());
    }
    VERIFY_OK(registry.createRegisteredModel(
        kModel, u"Fashion-MNIST classifier, retrained daily on the streamed batches"_s));
    const Actor pipeline{u"pipeline update_model"_s, QString()};
    const Actor ada{u"ada (Millrace UI)"_s, QString()};
    QCOMPARE(registerVersion(registry, kModel, runs.at(0)), 1);
    VERIFY_OK(registry.transitionStage(kModel, 1, Stage::Production, false,
                                       {ada.name, u"First model trained on the full set"_s}));
    VERIFY_OK(registry.setAlias(kModel, u"champion"_s, 1, pipeline));
    auto judge = [&](qint64 version, double challenger, double champion) {
        PromotionVerdict verdict;
        verdict.promote = challenger - champion >= 0.002;
        verdict.reason =
            verdict.promote
                ? u"test_accuracy %1 beats the champion's %2 by %3 (needs 0.002)"_s.arg(challenger)
                      .arg(champion)
                      .arg(challenger - champion, 0, 'f', 4)
                : u"test_accuracy %1 is not 0.002 better than the champion's %2"_s.arg(challenger)
                      .arg(champion);
        verdict.evaluation = QJsonObject{{u"metric"_s, u"test_accuracy"_s},
                                         {u"challenger"_s, challenger},
                                         {u"champion"_s, champion},
                                         {u"required_improvement"_s, 0.002},
                                         {u"test_samples"_s, 10000}};
        return registry.applyPromotion(kModel, version, verdict, pipeline);
    };
    QCOMPARE(registerVersion(registry, kModel, runs.at(1)), 2);
    VERIFY_OK(judge(2, 0.8934, 0.8812));
    QCOMPARE(registerVersion(registry, kModel, runs.at(2)), 3);
    VERIFY_OK(judge(3, 0.8921, 0.8934));
    QCOMPARE(registerVersion(registry, kModel, runs.at(3)), 4);
    VERIFY_OK(registry.transitionStage(kModel, 4, Stage::Staging, false,
                                       {ada.name, u"Canary on 10% of the predictor's traffic"_s}));
    VERIFY_OK(registry.setAlias(kModel, u"challenger"_s, 4, ada));
    // Two more models, so the list reads like a workspace in use.
    auto churn = tracking.createExperiment(u"churn-tabular"_s);
    VERIFY_OK(churn);
    const QString churnRun =
        logModelRun(tracking, *churn, u"mlp-baseline"_s, base, {{u"test_accuracy"_s, 0.812}}, {});
    VERIFY_OK(registry.createRegisteredModel(u"churn-mlp"_s, u"Tabular MLP on the CRM export"_s));
    QCOMPARE(registerVersion(registry, u"churn-mlp"_s, churnRun), 1);
    VERIFY_OK(registry.transitionStage(u"churn-mlp"_s, 1, Stage::Production, false, ada));
    QCOMPARE(registerVersion(registry, u"churn-mlp"_s, churnRun), 2);
    VERIFY_OK(registry.transitionStage(u"churn-mlp"_s, 2, Stage::Staging, false, ada));
    VERIFY_OK(registry.createRegisteredModel(u"kafka-predictor"_s,
                                             u"Scores the orders topic; not trained yet"_s));

    millrace::LogBus bus;
    MainWindow window(&bus);
    const QSize size(1200, 780);
    showWindow(window, size);
    // The offscreen platform's warnings are about the test, not the app: keep them out of the
    // pictured log dock.
    QLoggingCategory::setFilterRules(u"default.warning=false"_s);
    const auto restoreRules = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    window.attachSession(*workspace.session);
    openRegistry(window);
    if (QTest::currentTestFailed())
        return;
    auto *dock = child<QDockWidget>(window, "logDock");
    QVERIFY(dock);
    window.resizeDocks({dock}, {110}, Qt::Vertical);
    auto *table = child<QTableView>(window, "versionTable");
    auto *list = child<QListView>(window, "modelList");
    QTRY_COMPARE(list->model()->rowCount(), 3);
    // The models are sorted by name: fashion-cnn is second.
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualRect(list->model()->index(1, 0)).center());
    QTRY_COMPARE(table->model()->rowCount(), 4);
    clickVersion(table, 4);
    auto *history = child<QListView>(window, "historyView");
    QTRY_VERIFY(anyRowHas(timeline(history), {u"@challenger → v4"_s}));
    QVERIFY(anyRowHas(timeline(history), {u"v2 judged better"_s, u"challenger 0.8934"_s}));
    QVERIFY(anyRowHas(timeline(history), {u"@champion: v1 → v2"_s}));
    QVERIFY(
        anyRowHas(timeline(history), {u"v1: Production → Archived"_s, u"archived as version 2"_s}));

    const QImage image = window.grab().toImage();
    QCOMPARE(image.size(), size);
    const QString path = QDir(outDir).filePath(u"registry-panel.png"_s);
    QVERIFY2(image.save(path), qPrintable(path));
    QVERIFY(!QImage(path).isNull());
    window.detachSession();
}

QTEST_MAIN(TestRegistryPanel)
#include "tst_registrypanel.moc"

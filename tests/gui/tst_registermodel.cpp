// Register Model… on a run, as a user meets it in the main window on a real workspace: a run's
// model registered under a new name (version 1, its files copied, the Registry panel showing it
// through Show in Registry), a second run's under that name, now existing (version 2); a run
// without a model folder, a model folder gone by the time Register is pressed, and invalid names
// are refused in the dialog and leave the registry as it was. Real widgets are clicked under the
// offscreen platform; every wait is for something a user would see, never a fixed time.

#include "guitestsupport.h"

#include "core/registry/registrystore.h"
#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/registermodeldialog.h"
#include "ui/panels/registry/registryactions.h"
#include "ui/panels/registry/registrypanel.h"
#include "ui/panels/registry/versiontablemodel.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>

using millrace::ui::MainWindow;
using millrace::ui::RegisterModelDialog;
using millrace::ui::RegistryActions;
using millrace::ui::RegistryPanel;
using millrace::ui::VersionTableModel;
using namespace millrace;
using namespace millrace::registry;
using namespace millrace::testing;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

/// The Registry entry's row in the sidebar.
constexpr int kRegistryRow = 3;
const qint64 kStart = QDateTime(QDate(2024, 6, 11), QTime(9, 0)).toMSecsSinceEpoch();

/// What the weights file of the run `name` holds: different for every run.
QByteArray weightsOf(const QString &name)
{
    return QByteArray(4096, name.at(0).toLatin1());
}

/// Logs a finished run named `name`. With `withModel` its artifacts hold a `model/` folder as a
/// training job leaves it (MLmodel, weights, a file in a subfolder); without, only a note.
/// Returns the run's id.
QString logRun(TrackingStore &tracking, const QString &name, qint64 start, bool withModel)
{
    auto run = tracking.createRun(u"0"_s, u"ada"_s, name, start, {});
    if (!run) {
        qWarning().noquote() << run.errorMessage();
        return QString();
    }
    const QString id = run->info.runId;
    auto ended = tracking.updateRun(id, RunStatus::Finished, start + 60000);
    auto folder = tracking.runArtifactDirectory(id);
    if (!ended || !folder)
        return QString();
    const QDir artifacts(*folder);
    const auto write = [&](const QString &path, const QByteArray &bytes) {
        QDir().mkpath(QFileInfo(artifacts.filePath(path)).path());
        QFile file(artifacts.filePath(path));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    bool written = write(u"notes.txt"_s, "trained on the June data\n");
    if (withModel)
        written = written
                  && write(u"model/MLmodel"_s, "artifact_path: model\nflavors:\n  millrace:\n"
                                               "    architecture: tabular-mlp\n")
                  && write(u"model/weights.pt"_s, weightsOf(name))
                  && write(u"model/code/net.py"_s, "# the network\n");
    return written ? id : QString();
}

/// The row of the run table whose name reads `name`.
QModelIndex rowNamed(const QTreeView *view, const QString &name)
{
    const int row = shownNames(view).indexOf(name);
    return row < 0 ? QModelIndex() : view->model()->index(row, 0);
}

void clickRow(QTreeView *view, const QString &name, Qt::KeyboardModifiers modifiers = {})
{
    const QModelIndex index = rowNamed(view, name);
    QVERIFY2(index.isValid(), qPrintable(name));
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, modifiers,
                      view->visualRect(index).center());
}

/// The open Register Model dialog, or null.
RegisterModelDialog *openDialog()
{
    for (QWidget *widget : QApplication::topLevelWidgets()) {
        auto *dialog = qobject_cast<RegisterModelDialog *>(widget);
        if (dialog && dialog->isVisible())
            return dialog;
    }
    return nullptr;
}

/// Selects the run `runName` and chooses Register Model… from the Actions menu; `dialog` is
/// the dialog that opens.
void openRegisterDialog(MainWindow &window, const QString &runName, RegisterModelDialog *&dialog)
{
    auto *view = child<QTreeView>(window, "runTable");
    auto *actions = child<QToolButton>(window, "panelActions");
    QVERIFY(view && actions);
    QTRY_VERIFY(rowNamed(view, runName).isValid());
    clickRow(view, runName);
    if (QTest::currentTestFailed())
        return;
    // In the run table's context menu as well as the Actions menu.
    auto *action = child<QAction>(window, "registerModelAction");
    QVERIFY(action);
    QVERIFY(view->actions().contains(action));
    QVERIFY(chooseFromMenu(&window, actions, u"Register Model…"_s));
    QTRY_VERIFY((dialog = openDialog()) != nullptr);
    // The run is named, by name and id.
    const QString run = child<QLabel>(*dialog, "registerModelRun")->text();
    QVERIFY2(run.contains(runName), qPrintable(run));
}

/// Types `text` into the model name box, replacing what was there.
void typeName(RegisterModelDialog *dialog, const QString &text)
{
    auto *combo = child<QComboBox>(*dialog, "registerModelName");
    QVERIFY(combo && combo->lineEdit());
    QTest::keyClick(combo->lineEdit(), Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(combo->lineEdit(), Qt::Key_Delete);
    QTest::keyClicks(combo->lineEdit(), text);
    QCOMPARE(combo->currentText(), text);
}

/// Opens the list of `combo` with its arrow and clicks the entry `text`.
void chooseFromList(QComboBox *combo, const QString &text)
{
    const int index = combo->findText(text);
    QVERIFY2(index >= 0, qPrintable(text));
    QTest::mouseClick(combo, Qt::LeftButton, {}, QPoint(combo->width() - 6, combo->height() / 2));
    QAbstractItemView *list = combo->view();
    QTRY_VERIFY(list->isVisible());
    const QRect item = list->visualRect(list->model()->index(index, 0));
    // The list ignores a release that follows its opening too closely (it would pick on the
    // click that opened it): a user clicks again, and so does this until the list closes.
    QVERIFY(QTest::qWaitFor([&] {
        if (list->isVisible())
            QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, item.center());
        return !list->isVisible();
    }));
    QCOMPARE(combo->currentText(), text);
}

QString messageOf(const RegisterModelDialog *dialog)
{
    return child<QLabel>(*dialog, "registerModelMessage")->text();
}

QStringList modelNames(const RegistryStore &registry)
{
    QStringList names;
    auto page = registry.searchRegisteredModels(QString(), 100, {}, QString());
    if (page) {
        for (const RegisteredModel &model : page->items)
            names.append(model.name);
    }
    return names;
}

/// Everything under the workspace's models folder, for checking that nothing was copied.
QStringList modelFiles(const RegistryStore &registry)
{
    QStringList files;
    const QDir root(registry.modelsRoot());
    QDirIterator it(root.path(), QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        files.append(root.relativeFilePath(it.next()));
    files.sort();
    return files;
}

/// Clicks the Registry entry of the sidebar where a user would.
void clickRegistry(const MainWindow &window)
{
    auto *list = child<QListWidget>(window, "panelList");
    QVERIFY(list);
    QCOMPARE(list->item(kRegistryRow)->text(), u"Registry"_s);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(kRegistryRow)).center());
}

QString currentPanel(const MainWindow &window)
{
    return child<QStackedWidget>(window, "panelStack")->currentWidget()->objectName();
}

/// The version numbers the Registry panel's version table shows, newest first.
QList<qint64> shownVersions(const MainWindow &window)
{
    QList<qint64> versions;
    const auto *table = child<QTableView>(window, "versionTable");
    for (int row = 0; row < table->model()->rowCount(); ++row)
        versions.append(
            table->model()->index(row, 0).data(VersionTableModel::VersionRole).toLongLong());
    return versions;
}

} // namespace

class TestRegisterModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void registerUnderANewNameThenTheSameName();
    void runWithoutAModelFolderIsRefused();
    void invalidNamesAreRefused();

private:
    QTemporaryDir m_settingsDir;
};

void TestRegisterModel::initTestCase()
{
    useTestSettings(m_settingsDir, u"tst_registermodel"_s);
}

void TestRegisterModel::registerUnderANewNameThenTheSameName()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    RegistryStore &registry = workspace.session->registry();
    const QString first = logRun(tracking, u"first-fit"_s, kStart, true);
    const QString second = logRun(tracking, u"second-fit"_s, kStart + 600000, true);
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    VERIFY_OK(registry.createRegisteredModel(u"baseline"_s));

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    auto *view = child<QTreeView>(window, "runTable");
    auto *action = child<QAction>(window, "registerModelAction");
    QVERIFY(view && action);
    QTRY_COMPARE(shownNames(view), (QStringList{u"second-fit"_s, u"first-fit"_s}));
    // One run at a time.
    clickRow(view, u"first-fit"_s);
    QVERIFY(action->isEnabled());
    clickRow(view, u"second-fit"_s, Qt::ControlModifier);
    QVERIFY(!action->isEnabled());

    // A new name: the dialog offers the existing models and says what it will copy.
    RegisterModelDialog *dialog = nullptr;
    openRegisterDialog(window, u"first-fit"_s, dialog);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(child<QLabel>(*dialog, "registerModelRun")->text().contains(first));
    auto *combo = child<QComboBox>(*dialog, "registerModelName");
    auto *files = child<QLabel>(*dialog, "registerModelFiles");
    auto *registerButton = child<QPushButton>(*dialog, "registerModelButton");
    QVERIFY(combo && files && registerButton);
    QTRY_COMPARE(combo->count(), 1);
    QCOMPARE(combo->itemText(0), u"baseline"_s);
    QTRY_VERIFY2(files->text().contains(u"3 files"_s), qPrintable(files->text()));
    QVERIFY2(files->text().contains(u"runs:/%1/model"_s.arg(first)), qPrintable(files->text()));
    QVERIFY2(files->text().contains(u"weights.pt"_s), qPrintable(files->text()));
    QVERIFY(!registerButton->isEnabled()); // no name yet
    typeName(dialog, u"tabular-mlp"_s);
    QVERIFY2(messageOf(dialog).contains(u"Creates the registered model “tabular-mlp”"_s),
             qPrintable(messageOf(dialog)));
    QTest::keyClicks(child<QLineEdit>(*dialog, "registerModelDescription"), u"first cut"_s);
    QVERIFY(registerButton->isEnabled());
    QTest::mouseClick(registerButton, Qt::LeftButton);
    QTRY_COMPARE(messageOf(dialog), u"Registered tabular-mlp version 1."_s);
    QCOMPARE(window.statusBar()->currentMessage(), u"Registered tabular-mlp version 1"_s);

    // The store has version 1 from the run, its files copied, recorded as done in the UI.
    auto v1 = registry.modelVersion(u"tabular-mlp"_s, 1);
    VERIFY_OK(v1);
    QVERIFY2(v1->status == VersionStatus::Ready, qPrintable(v1->statusMessage));
    QCOMPARE(v1->runId, first);
    QCOMPARE(v1->source, u"runs:/%1/model"_s.arg(first));
    QCOMPARE(v1->description, u"first cut"_s);
    QFile copied(QDir(v1->directory).filePath(u"weights.pt"_s));
    QVERIFY(copied.open(QIODevice::ReadOnly));
    QCOMPARE(copied.readAll(), weightsOf(u"first-fit"_s));
    QVERIFY(QFileInfo::exists(QDir(v1->directory).filePath(u"code/net.py"_s)));
    QVERIFY(QFileInfo::exists(QDir(v1->directory).filePath(u"MLmodel"_s)));
    auto history = registry.history(u"tabular-mlp"_s);
    VERIFY_OK(history);
    QCOMPARE(history->size(), 1);
    QCOMPARE(history->constFirst().actor, RegistryActions::actorName());
    QVERIFY(history->constFirst().actor.endsWith(u" (Millrace UI)"_s));

    // Show in Registry: the Registry panel, on the new model with its one version.
    QTest::mouseClick(child<QPushButton>(*dialog, "showInRegistryButton"), Qt::LeftButton);
    QTRY_VERIFY(!openDialog());
    QCOMPARE(currentPanel(window), u"registryPanel"_s);
    auto *registryPanel = child<RegistryPanel>(window, "registryPanel");
    QTRY_COMPARE(registryPanel->currentModelName(), u"tabular-mlp"_s);
    QTRY_COMPARE(shownVersions(window), QList<qint64>{1});

    // The second run under the same name, now an existing model chosen from the list.
    clickExperiments(window);
    openRegisterDialog(window, u"second-fit"_s, dialog);
    if (QTest::currentTestFailed())
        return;
    combo = child<QComboBox>(*dialog, "registerModelName");
    registerButton = child<QPushButton>(*dialog, "registerModelButton");
    QTRY_COMPARE(combo->count(), 2);
    chooseFromList(combo, u"tabular-mlp"_s);
    if (QTest::currentTestFailed())
        return;
    QTRY_VERIFY(registerButton->isEnabled());
    QVERIFY2(messageOf(dialog).contains(u"Adds the next version to the registered model"_s),
             qPrintable(messageOf(dialog)));
    QTest::mouseClick(registerButton, Qt::LeftButton);
    QTRY_COMPARE(messageOf(dialog), u"Registered tabular-mlp version 2."_s);
    QCOMPARE(window.statusBar()->currentMessage(), u"Registered tabular-mlp version 2"_s);
    auto v2 = registry.modelVersion(u"tabular-mlp"_s, 2);
    VERIFY_OK(v2);
    QVERIFY2(v2->status == VersionStatus::Ready, qPrintable(v2->statusMessage));
    QCOMPARE(v2->runId, second);
    QFile copiedAgain(QDir(v2->directory).filePath(u"weights.pt"_s));
    QVERIFY(copiedAgain.open(QIODevice::ReadOnly));
    QCOMPARE(copiedAgain.readAll(), weightsOf(u"second-fit"_s));
    QCOMPARE(modelNames(registry), (QStringList{u"baseline"_s, u"tabular-mlp"_s}));

    // Closed, the dialog leaves the panel as it was; the Registry panel shows both versions.
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel),
                      Qt::LeftButton);
    QTRY_VERIFY(!openDialog());
    QCOMPARE(currentPanel(window), u"experimentsPanel"_s);
    clickRegistry(window);
    QCOMPARE(currentPanel(window), u"registryPanel"_s);
    QTRY_COMPARE(shownVersions(window), (QList<qint64>{2, 1}));
    window.detachSession();
}

void TestRegisterModel::runWithoutAModelFolderIsRefused()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    RegistryStore &registry = workspace.session->registry();
    const QString bare = logRun(tracking, u"no-model"_s, kStart, false);
    const QString fitted = logRun(tracking, u"fitted"_s, kStart + 60000, true);
    QVERIFY(!bare.isEmpty() && !fitted.isEmpty());
    VERIFY_OK(registry.createRegisteredModel(u"existing"_s));
    const auto changesBefore = registry.changeCount();
    VERIFY_OK(changesBefore);
    const QStringList filesBefore = modelFiles(registry);

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;

    // The run has no model folder: the dialog says so and Register stays off, whatever the name.
    RegisterModelDialog *dialog = nullptr;
    openRegisterDialog(window, u"no-model"_s, dialog);
    if (QTest::currentTestFailed())
        return;
    auto *registerButton = child<QPushButton>(*dialog, "registerModelButton");
    QTRY_VERIFY2(messageOf(dialog).contains(u"no model folder"_s), qPrintable(messageOf(dialog)));
    QVERIFY2(child<QLabel>(*dialog, "registerModelFiles")->text().startsWith(u"Nothing"_s),
             qPrintable(child<QLabel>(*dialog, "registerModelFiles")->text()));
    typeName(dialog, u"fresh"_s);
    QVERIFY(!registerButton->isEnabled());
    QVERIFY2(messageOf(dialog).contains(u"no model folder"_s), qPrintable(messageOf(dialog)));
    QTest::keyClick(child<QComboBox>(*dialog, "registerModelName")->lineEdit(), Qt::Key_Return);
    QVERIFY(openDialog() == dialog);
    QTest::keyClick(dialog, Qt::Key_Escape);
    QTRY_VERIFY(!openDialog());

    // The model folder goes between opening the dialog and Register: the registration is refused
    // in the dialog, and the new name is not left behind as an empty model.
    openRegisterDialog(window, u"fitted"_s, dialog);
    if (QTest::currentTestFailed())
        return;
    registerButton = child<QPushButton>(*dialog, "registerModelButton");
    typeName(dialog, u"fresh"_s);
    QTRY_VERIFY(registerButton->isEnabled());
    auto artifacts = tracking.runArtifactDirectory(fitted);
    VERIFY_OK(artifacts);
    QVERIFY(QDir(QDir(*artifacts).filePath(u"model"_s)).removeRecursively());
    QTest::mouseClick(registerButton, Qt::LeftButton);
    QTRY_VERIFY2(messageOf(dialog).contains(u"no model folder to register"_s),
                 qPrintable(messageOf(dialog)));
    QVERIFY(openDialog() == dialog);
    // The same under an existing model: no version is made.
    typeName(dialog, u"existing"_s);
    QTRY_VERIFY(registerButton->isEnabled());
    QTest::mouseClick(registerButton, Qt::LeftButton);
    QTRY_VERIFY2(messageOf(dialog).contains(u"no model folder to register"_s),
                 qPrintable(messageOf(dialog)));

    QCOMPARE(modelNames(registry), QStringList{u"existing"_s});
    VERIFY_FAILS(registry.modelVersion(u"existing"_s, 1),
                 registry::errorcode::kResourceDoesNotExist);
    const auto changesAfter = registry.changeCount();
    VERIFY_OK(changesAfter);
    QCOMPARE(*changesAfter, *changesBefore);
    QCOMPARE(modelFiles(registry), filesBefore);
    QVERIFY(window.statusBar()->currentMessage().isEmpty());
    window.detachSession();
}

void TestRegisterModel::invalidNamesAreRefused()
{
    OpenWorkspace workspace;
    QVERIFY(workspace.open());
    TrackingStore &tracking = workspace.tracking();
    RegistryStore &registry = workspace.session->registry();
    QVERIFY(!logRun(tracking, u"fitted"_s, kStart, true).isEmpty());
    const auto changesBefore = registry.changeCount();
    VERIFY_OK(changesBefore);

    MainWindow window;
    showExperiments(window, *workspace.session);
    if (QTest::currentTestFailed())
        return;
    RegisterModelDialog *dialog = nullptr;
    openRegisterDialog(window, u"fitted"_s, dialog);
    if (QTest::currentTestFailed())
        return;
    auto *registerButton = child<QPushButton>(*dialog, "registerModelButton");
    auto *files = child<QLabel>(*dialog, "registerModelFiles");
    QTRY_VERIFY2(files->text().contains(u"3 files"_s), qPrintable(files->text()));

    // Each is refused with the registry's reason; Enter does nothing.
    const QList<QPair<QString, QString>> refused = {
        {u"a/b"_s, u"Invalid model name 'a/b'. Names cannot contain '/' or ':'."_s},
        {u"models:x"_s, u"Names cannot contain '/' or ':'."_s},
        {u".."_s, u"must not resolve to other names"_s},
    };
    for (const auto &[name, reason] : refused) {
        typeName(dialog, name);
        QVERIFY2(!registerButton->isEnabled(), qPrintable(name));
        QVERIFY2(messageOf(dialog).contains(reason), qPrintable(messageOf(dialog)));
        QTest::keyClick(child<QComboBox>(*dialog, "registerModelName")->lineEdit(), Qt::Key_Return);
        QVERIFY(openDialog() == dialog);
    }
    // A good name turns Register on; Cancel writes nothing all the same.
    typeName(dialog, u"a-b"_s);
    QVERIFY(registerButton->isEnabled());
    QTest::mouseClick(dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Cancel),
                      Qt::LeftButton);
    QTRY_VERIFY(!openDialog());

    QVERIFY(modelNames(registry).isEmpty());
    const auto changesAfter = registry.changeCount();
    VERIFY_OK(changesAfter);
    QCOMPARE(*changesAfter, *changesBefore);
    QVERIFY(modelFiles(registry).isEmpty());
    window.detachSession();
}

QTEST_MAIN(TestRegisterModel)
#include "tst_registermodel.moc"

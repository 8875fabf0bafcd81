// The main window as a user meets it: the sidebar's panels, the Start/Pause scheduled updates
// toolbar button and its persisted state, the log dock, the restored layout, and the screenshots
// the package ships. Real widgets are clicked under the offscreen platform.

#include "guitestsupport.h"

#include "core/base/logbus.h"
#include "core/scheduler/schedulerswitch.h"
#include "core/store/appstate.h"
#include "core/store/store.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "ui/mainwindow/mainwindow.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLoggingCategory>
#include <QPalette>
#include <QScopeGuard>
#include <QSet>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QtConcurrent>

#include <memory>
#include <optional>

Q_LOGGING_CATEGORY(lcGuiTest, "millrace.guitest")

using millrace::ui::MainWindow;
using namespace millrace::testing;

namespace {

// Panels whose feature has landed; the others are pending placeholders.
const QStringList kBuiltPanels = {QStringLiteral("Streams"), QStringLiteral("Jobs"),
                                  QStringLiteral("Experiments"), QStringLiteral("Registry"),
                                  QStringLiteral("Serving")};
const QStringList kPanelNames = {QStringLiteral("Streams"), QStringLiteral("Jobs"),
                                 QStringLiteral("Experiments"), QStringLiteral("Registry"),
                                 QStringLiteral("Serving")};

const QString kPauseText = QStringLiteral("Pause scheduled updates");
const QString kStartText = QStringLiteral("Start scheduled updates");

QListWidget *panelList(const MainWindow &window)
{
    return child<QListWidget>(window, "panelList");
}

QStackedWidget *panelStack(const MainWindow &window)
{
    return child<QStackedWidget>(window, "panelStack");
}

QAction *schedulerAction(const MainWindow &window)
{
    return child<QAction>(window, "schedulerAction");
}

QLabel *schedulerStatus(const MainWindow &window)
{
    return child<QLabel>(window, "schedulerStatus");
}

/// The toolbar button a user clicks for the scheduler action.
QToolButton *schedulerButton(const MainWindow &window)
{
    QToolBar *toolbar = child<QToolBar>(window, "mainToolBar");
    QAction *action = schedulerAction(window);
    if (!toolbar || !action)
        return nullptr;
    return qobject_cast<QToolButton *>(toolbar->widgetForAction(action));
}

/// Clicks the sidebar item at `row` where a user would: in the middle of it.
void clickPanel(const MainWindow &window, int row)
{
    QListWidget *list = panelList(window);
    const QRect rect = list->visualItemRect(list->item(row));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center());
}

QString panelObjectName(const QString &name)
{
    return name.toLower() + QStringLiteral("Panel");
}

std::unique_ptr<millrace::Session> openSession(const QString &root)
{
    auto opened = millrace::Session::open(root, {});
    if (!opened) {
        qWarning().noquote() << "cannot open" << root << ":" << opened.errorMessage();
        return nullptr;
    }
    return std::move(opened).value();
}

/// A session as the app runs it, with the built-in plugins and the services (bar the tracking
/// server, whose port another test may hold) started: the toolbar's Train action is live.
std::unique_ptr<millrace::Session> openRunningSession(const QString &root)
{
    millrace::SessionOptions options;
    options.trackingServer = false;
    options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)};
    auto opened = millrace::Session::open(root, options);
    if (!opened) {
        qWarning().noquote() << "cannot open" << root << ":" << opened.errorMessage();
        return nullptr;
    }
    (*opened)->startServices();
    return std::move(opened).value();
}

/// What the workspace database holds for the scheduler switch, read off the GUI thread through a
/// fresh read connection. The pool (and so its threads' connections) ends with the call.
std::optional<QString> persistedSchedulerState(millrace::Store &store)
{
    QThreadPool pool;
    QFuture<std::optional<QString>> future = QtConcurrent::run(&pool, [&store] {
        auto read = store.read([](SQLite::Database &db) {
            return millrace::appstate::get(db, millrace::SchedulerSwitch::stateKey());
        });
        if (!read) {
            qWarning().noquote() << read.errorMessage();
            return std::optional<QString>();
        }
        return *read;
    });
    return future.result();
}

/// The first row of `model` whose category or message contains `text`, or -1.
int rowContaining(const QAbstractItemModel *model, const QString &text)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        for (int column = 0; column < model->columnCount(); ++column) {
            if (model->index(row, column).data().toString().contains(text))
                return row;
        }
    }
    return -1;
}

/// Logs `message` on lcGuiTest at `type` from a thread other than the GUI thread.
void logFromWorker(QtMsgType type, const QString &message)
{
    QThreadPool pool;
    QtConcurrent::run(&pool, [type, message] {
        if (type == QtCriticalMsg)
            qCCritical(lcGuiTest).noquote() << message;
        else
            qCWarning(lcGuiTest).noquote() << message;
    }).waitForFinished();
}

bool isBlank(const QImage &image)
{
    const QRgb first = image.pixel(0, 0);
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            if (image.pixel(x, y) != first)
                return false;
        }
    }
    return true;
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void sidebarListsPanelsInOrder();
    void sidebarShowsWholeNames();
    void clickingSidebarShowsPanel_data();
    void clickingSidebarShowsPanel();
    void schedulerActionNeedsWorkspace();
    void schedulerStateIsPersistedAcrossWindows();
    void logDockShowsMessagesFromOtherThreads();
    void selectedPanelAndDockPlacementAreRestored();
    void hiddenLogDockStaysHidden();
    void pluginsDialogShowsLoadedAndRejected();
    void followsPaletteChanges();
    void screenshots();

private:
    QTemporaryDir m_settingsDir;
};

void TestMainWindow::initTestCase()
{
    useTestSettings(m_settingsDir, QStringLiteral("tst_mainwindow"));
    // Settings go to the temporary folder, never to the user's.
    QVERIFY(QSettings().fileName().startsWith(m_settingsDir.path()));
}

void TestMainWindow::init()
{
    // Each test starts from a first launch: no saved layout.
    QSettings settings;
    settings.clear();
    settings.sync();
}

void TestMainWindow::sidebarListsPanelsInOrder()
{
    MainWindow window;
    QListWidget *list = panelList(window);
    QStackedWidget *stack = panelStack(window);
    QVERIFY(list);
    QVERIFY(stack);
    QStringList sidebar;
    for (int row = 0; row < list->count(); ++row)
        sidebar << list->item(row)->text();
    QCOMPARE(sidebar, kPanelNames);
    QCOMPARE(stack->count(), kPanelNames.size());
    for (int i = 0; i < kPanelNames.size(); ++i)
        QCOMPARE(stack->widget(i)->objectName(), panelObjectName(kPanelNames.at(i)));
    // A first launch opens on Streams.
    QCOMPARE(list->currentRow(), 0);
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("streamsPanel"));
}

void TestMainWindow::sidebarShowsWholeNames()
{
    MainWindow window;
    window.resize(1200, 780);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QListWidget *list = panelList(window);
    QStackedWidget *stack = panelStack(window);
    const QFontMetrics metrics = list->fontMetrics();
    const QRect viewport = list->viewport()->rect();
    for (int row = 0; row < list->count(); ++row) {
        const QListWidgetItem *item = list->item(row);
        const QRect rect = list->visualItemRect(item);
        const int needed = list->iconSize().width() + metrics.horizontalAdvance(item->text());
        // The item is wide enough for its icon and name, and all of it is inside the list.
        QVERIFY2(rect.width() >= needed, qPrintable(QStringLiteral("%1: %2 px wide, needs %3")
                                                        .arg(item->text())
                                                        .arg(rect.width())
                                                        .arg(needed)));
        QVERIFY2(viewport.contains(rect),
                 qPrintable(QStringLiteral("%1 is cut off").arg(item->text())));
    }
    // The panel starts right beside the sidebar, with no dead band between them.
    const QPoint listRight = list->mapTo(&window, QPoint(list->width(), 0));
    const QPoint stackLeft = stack->mapTo(&window, QPoint(0, 0));
    QVERIFY2(stackLeft.x() - listRight.x() <= 16,
             qPrintable(QStringLiteral("sidebar ends at x=%1, panel starts at x=%2")
                            .arg(listRight.x())
                            .arg(stackLeft.x())));
}

void TestMainWindow::clickingSidebarShowsPanel_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<QString>("name");
    // Serving first, so every row, Streams included, is a change of panel.
    for (int row : {4, 0, 1, 2, 3})
        QTest::newRow(qPrintable(kPanelNames.at(row))) << row << kPanelNames.at(row);
}

void TestMainWindow::clickingSidebarShowsPanel()
{
    QFETCH(int, row);
    QFETCH(QString, name);

    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    // Start somewhere else, so the click has to change the panel.
    const int other = row == 4 ? 0 : 4;
    clickPanel(window, other);
    QCOMPARE(panelStack(window)->currentIndex(), other);

    clickPanel(window, row);
    QCOMPARE(panelList(window)->currentRow(), row);
    QWidget *shown = panelStack(window)->currentWidget();
    QCOMPARE(shown->objectName(), panelObjectName(name));
    QVERIFY(shown->isVisible());
    QVERIFY(!panelStack(window)->widget(other)->isVisible());

    // A panel whose feature has not landed says so in words, and names itself.
    auto *pending = shown->findChild<QLabel *>(QStringLiteral("pendingStatus"));
    if (kBuiltPanels.contains(name)) {
        QVERIFY2(!pending, "a built panel must not say it is pending");
        return;
    }
    QVERIFY(pending);
    QVERIFY(pending->isVisible());
    QVERIFY2(pending->text().contains(QStringLiteral("Not in this build yet")),
             qPrintable(pending->text()));
    bool headed = false;
    for (const QLabel *label : shown->findChildren<QLabel *>())
        headed = headed || (label->isVisible() && label->text() == name);
    QVERIFY2(headed, "the panel shows its own name as a heading");
}

void TestMainWindow::schedulerActionNeedsWorkspace()
{
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAction *action = schedulerAction(window);
    QVERIFY(action);
    QToolButton *button = schedulerButton(window);
    QVERIFY(button);
    QVERIFY(button->isVisible());
    QVERIFY(!action->isEnabled());
    QVERIFY(!button->isEnabled());
    QCOMPARE(schedulerStatus(window)->text(), QStringLiteral("Scheduled updates: no workspace"));

    // Clicking the disabled button changes nothing.
    QTest::mouseClick(button, Qt::LeftButton);
    QVERIFY(!action->isEnabled());
    QCOMPARE(schedulerStatus(window)->text(), QStringLiteral("Scheduled updates: no workspace"));
}

void TestMainWindow::schedulerStateIsPersistedAcrossWindows()
{
    QTemporaryDir workspaceDir;
    QVERIFY(workspaceDir.isValid());
    const QString root = workspaceDir.filePath(QStringLiteral("workspace"));

    {
        std::unique_ptr<millrace::Session> session = openSession(root);
        QVERIFY(session);
        auto window = std::make_unique<MainWindow>();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QAction *action = schedulerAction(*window);
        QToolButton *button = schedulerButton(*window);
        QVERIFY(action);
        QVERIFY(button);
        QVERIFY(!action->isEnabled());

        window->attachSession(*session);
        // A new workspace runs its scheduled updates.
        QTRY_VERIFY(action->isEnabled());
        QCOMPARE(action->text(), kPauseText);
        QCOMPARE(button->text(), kPauseText);
        QCOMPARE(schedulerStatus(*window)->text(), QStringLiteral("Scheduled updates: running"));

        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_COMPARE(action->text(), kStartText);
        QTRY_VERIFY(action->isEnabled());
        QCOMPARE(schedulerStatus(*window)->text(), QStringLiteral("Scheduled updates: paused"));
        QCOMPARE(persistedSchedulerState(session->workspace().store()),
                 std::optional<QString>(QStringLiteral("paused")));

        window->detachSession();
        QVERIFY(!action->isEnabled());
        QCOMPARE(schedulerStatus(*window)->text(),
                 QStringLiteral("Scheduled updates: no workspace"));
        session.reset();
        window.reset();
    }

    // Next launch: a new window on the reopened workspace shows it paused.
    std::unique_ptr<millrace::Session> session = openSession(root);
    QVERIFY(session);
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAction *action = schedulerAction(window);
    QToolButton *button = schedulerButton(window);
    QVERIFY(action);
    QVERIFY(button);
    window.attachSession(*session);
    QTRY_VERIFY(action->isEnabled());
    QCOMPARE(action->text(), kStartText);
    QCOMPARE(schedulerStatus(window)->text(), QStringLiteral("Scheduled updates: paused"));

    QTest::mouseClick(button, Qt::LeftButton);
    QTRY_COMPARE(action->text(), kPauseText);
    QTRY_VERIFY(action->isEnabled());
    QCOMPARE(schedulerStatus(window)->text(), QStringLiteral("Scheduled updates: running"));
    QCOMPARE(persistedSchedulerState(session->workspace().store()),
             std::optional<QString>(QStringLiteral("running")));

    window.detachSession();
}

void TestMainWindow::logDockShowsMessagesFromOtherThreads()
{
    millrace::LogBus bus;
    MainWindow window(&bus);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *dock = child<QDockWidget>(window, "logDock");
    auto *view = child<QTableView>(window, "logView");
    auto *filter = child<QLineEdit>(window, "logFilter");
    auto *level = child<QComboBox>(window, "logLevel");
    QVERIFY(dock);
    QVERIFY(view);
    QVERIFY(filter);
    QVERIFY(level);
    QVERIFY(dock->isVisible());
    const QAbstractItemModel *rows = view->model();

    const QString wanted = QStringLiteral("crankshaft zebra 4711 overheated");
    const QString other = QStringLiteral("quokka batch drained");
    logFromWorker(QtWarningMsg, wanted);
    logFromWorker(QtWarningMsg, other);
    QTRY_VERIFY(rowContaining(rows, wanted) >= 0);
    QTRY_VERIFY(rowContaining(rows, other) >= 0);
    const int row = rowContaining(rows, wanted);
    QCOMPARE(rows->index(row, 1).data().toString(), QStringLiteral("warning"));
    QCOMPARE(rows->index(row, 2).data().toString(), QStringLiteral("millrace.guitest"));
    QVERIFY(view->visualRect(rows->index(row, 3)).isValid());

    // Typing in the filter keeps only the matching rows.
    QTest::keyClicks(filter, QStringLiteral("ZEBRA"));
    QCOMPARE(filter->text(), QStringLiteral("ZEBRA"));
    QVERIFY(rowContaining(rows, wanted) >= 0);
    QCOMPARE(rowContaining(rows, other), -1);
    for (int r = 0; r < rows->rowCount(); ++r) {
        const QString shown =
            rows->index(r, 2).data().toString() + u' ' + rows->index(r, 3).data().toString();
        QVERIFY2(shown.contains(QStringLiteral("zebra"), Qt::CaseInsensitive), qPrintable(shown));
    }

    // Emptying the filter brings the rest back.
    QTest::keyClick(filter, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClick(filter, Qt::Key_Backspace);
    QVERIFY(filter->text().isEmpty());
    QVERIFY(rowContaining(rows, other) >= 0);

    // "Errors only" (the last level) hides the warnings but shows a later error.
    QTest::keyClick(level, Qt::Key_End);
    QCOMPARE(level->currentText(), QStringLiteral("Errors only"));
    QCOMPARE(rowContaining(rows, wanted), -1);
    QCOMPARE(rowContaining(rows, other), -1);
    const QString error = QStringLiteral("gearbox 0815 seized");
    logFromWorker(QtCriticalMsg, error);
    QTRY_VERIFY(rowContaining(rows, error) >= 0);
    QCOMPARE(rows->index(rowContaining(rows, error), 1).data().toString(), QStringLiteral("error"));
}

void TestMainWindow::selectedPanelAndDockPlacementAreRestored()
{
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *dock = child<QDockWidget>(window, "logDock");
        QVERIFY(dock);
        QCOMPARE(window.dockWidgetArea(dock), Qt::BottomDockWidgetArea);
        clickPanel(window, kPanelNames.indexOf(QStringLiteral("Registry")));
        QCOMPARE(panelStack(window)->currentWidget()->objectName(),
                 QStringLiteral("registryPanel"));
        // What dragging the dock to the right edge ends in.
        window.addDockWidget(Qt::RightDockWidgetArea, dock);
        QCOMPARE(window.dockWidgetArea(dock), Qt::RightDockWidgetArea);
        QVERIFY(window.close());
    }

    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(panelList(window)->currentItem()->text(), QStringLiteral("Registry"));
    QCOMPARE(panelStack(window)->currentWidget()->objectName(), QStringLiteral("registryPanel"));
    QVERIFY(panelStack(window)->currentWidget()->isVisible());
    auto *dock = child<QDockWidget>(window, "logDock");
    QCOMPARE(window.dockWidgetArea(dock), Qt::RightDockWidgetArea);
    QVERIFY(dock->isVisible());
}

void TestMainWindow::hiddenLogDockStaysHidden()
{
    {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *dock = child<QDockWidget>(window, "logDock");
        QVERIFY(dock);
        QVERIFY(dock->isVisible());
        // The close button in the dock's title bar.
        auto *closeButton =
            dock->findChild<QAbstractButton *>(QStringLiteral("qt_dockwidget_closebutton"));
        QVERIFY(closeButton);
        QVERIFY(closeButton->isVisible());
        QTest::mouseClick(closeButton, Qt::LeftButton);
        QVERIFY(!dock->isVisible());
        QVERIFY(window.close());
    }

    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *dock = child<QDockWidget>(window, "logDock");
    QVERIFY(!dock->isVisible());
    QVERIFY(!dock->toggleViewAction()->isChecked());
    // And it can be brought back.
    dock->toggleViewAction()->trigger();
    QVERIFY(dock->isVisible());
}

void TestMainWindow::pluginsDialogShowsLoadedAndRejected()
{
    QTemporaryDir workspaceDir;
    QTemporaryDir brokenPlugins;
    QFile notAPlugin(brokenPlugins.filePath(QStringLiteral("libnot_a_plugin.so")));
    QVERIFY(notAPlugin.open(QIODevice::WriteOnly));
    notAPlugin.write("this is text, not a shared library");
    notAPlugin.close();

    millrace::SessionOptions options;
    options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR), brokenPlugins.path()};
    auto opened = millrace::Session::open(workspaceDir.path(), options);
    QVERIFY2(opened, qPrintable(opened.errorMessage()));
    MainWindow window;
    QAction *action = window.findChild<QAction *>(QStringLiteral("pluginsAction"));
    QVERIFY(action);
    QVERIFY(!action->isEnabled());
    window.attachSession(**opened);
    QVERIFY(action->isEnabled());

    action->trigger();
    auto *dialog = window.findChild<QDialog *>(QStringLiteral("pluginsDialog"));
    QVERIFY(dialog);
    QVERIFY(dialog->isVisible());
    auto *loaded = dialog->findChild<QTreeWidget *>(QStringLiteral("loadedPlugins"));
    auto *rejected = dialog->findChild<QTreeWidget *>(QStringLiteral("rejectedPlugins"));
    QVERIFY(loaded && rejected);
    QCOMPARE(loaded->topLevelItemCount(), 4);
    QCOMPARE(loaded->topLevelItem(0)->text(0), QStringLiteral("JSON messages"));
    QCOMPARE(loaded->topLevelItem(0)->text(1), QStringLiteral("message-codec"));
    QCOMPARE(loaded->topLevelItem(1)->text(0), QStringLiteral("Image CNN"));
    QCOMPARE(loaded->topLevelItem(1)->text(1), QStringLiteral("model-architecture"));
    QCOMPARE(loaded->topLevelItem(2)->text(0), QStringLiteral("Tabular MLP"));
    QCOMPARE(loaded->topLevelItem(3)->text(0), QStringLiteral("Shell command"));
    QCOMPARE(loaded->topLevelItem(3)->text(1), QStringLiteral("task-operator"));
    QCOMPARE(rejected->topLevelItemCount(), 1);
    QCOMPARE(rejected->topLevelItem(0)->text(0), QStringLiteral("libnot_a_plugin.so"));
    QVERIFY2(rejected->topLevelItem(0)->text(1).contains(QStringLiteral("not a Qt plugin")),
             qPrintable(rejected->topLevelItem(0)->text(1)));

    window.detachSession();
    QVERIFY(!action->isEnabled());
    QVERIFY(!window.findChild<QDialog *>(QStringLiteral("pluginsDialog")));
}

namespace {

// A dark palette such as a desktop's dark mode hands to Qt.
QPalette darkPalette()
{
    QPalette palette;
    palette.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    palette.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
    palette.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    palette.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    palette.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
    palette.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    palette.setColor(QPalette::ButtonText, QColor(0xee, 0xee, 0xee));
    palette.setColor(QPalette::Highlight, QColor(0x3d, 0x84, 0xc6));
    palette.setColor(QPalette::HighlightedText, QColor(0x10, 0x20, 0x30));
    palette.setColor(QPalette::PlaceholderText, QColor(0x99, 0x99, 0x99));
    return palette;
}

// The colours of the opaque pixels of `pixmap`.
QSet<QRgb> opaqueColours(const QPixmap &pixmap)
{
    QSet<QRgb> colours;
    const QImage image = pixmap.toImage().convertToFormat(QImage::Format_ARGB32);
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QRgb pixel = image.pixel(x, y);
            if (qAlpha(pixel) == 255)
                colours.insert(pixel & 0xffffff);
        }
    }
    return colours;
}

} // namespace

void TestMainWindow::followsPaletteChanges()
{
    const QPalette original = QApplication::palette();
    const auto restore = qScopeGuard([&] { QApplication::setPalette(original); });
    QTemporaryDir workspaceDir;
    millrace::LogBus bus;
    std::unique_ptr<millrace::Session> session =
        openRunningSession(workspaceDir.filePath(QStringLiteral("millrace/default")));
    QVERIFY(session);
    MainWindow window(&bus);
    window.resize(1200, 780);
    {
        QLoggingCategory::setFilterRules(QStringLiteral("default.warning=false"));
        const auto restoreRules = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }
    window.attachSession(*session);
    QTRY_VERIFY(schedulerAction(window)->isEnabled());
    QListWidget *list = panelList(window);
    const QSize iconSize = list->iconSize();

    auto selectedIconColours = [&] {
        return opaqueColours(list->item(0)->icon().pixmap(iconSize, QIcon::Selected));
    };
    QCOMPARE(selectedIconColours(),
             QSet<QRgb>{list->palette().color(QPalette::HighlightedText).rgb() & 0xffffff});

    QApplication::setPalette(darkPalette());
    // The selected row's icon takes the new highlighted-text colour...
    QTRY_COMPARE(selectedIconColours(), QSet<QRgb>{QColor(0x10, 0x20, 0x30).rgb() & 0xffffff});
    // ...and the panels draw on the dark window colour.
    const QImage shot = window.grab().toImage();
    auto *stack = panelStack(window);
    const QPoint inPanel = stack->mapTo(&window, QPoint(stack->width() - 10, stack->height() - 10));
    QCOMPARE(QColor(shot.pixel(inPanel)), QColor(0x2b, 0x2b, 0x2b));
    // A muted note (the Serving panel's under its target) takes the dark placeholder colour.
    auto *status = window.findChild<QLabel *>(QStringLiteral("targetResolution"));
    QVERIFY(status);
    QCOMPARE(status->palette().color(status->foregroundRole()), QColor(0x99, 0x99, 0x99));

    const QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    if (!outDir.isEmpty())
        QVERIFY(shot.save(QDir(outDir).filePath(QStringLiteral("mainwindow-dark.png"))));
    window.detachSession();
}

void TestMainWindow::screenshots()
{
    QString outDir = qEnvironmentVariable("MILLRACE_SCREENSHOT_DIR");
    QTemporaryDir fallback;
    if (outDir.isEmpty()) {
        QVERIFY(fallback.isValid());
        outDir = fallback.path();
        qInfo().noquote() << "MILLRACE_SCREENSHOT_DIR not set; writing to" << outDir;
    }
    QVERIFY(QDir().mkpath(outDir));
    const QDir dir(outDir);

    QTemporaryDir workspaceDir;
    QVERIFY(workspaceDir.isValid());
    // The bus first, so the dock shows the workspace opening as the app does.
    millrace::LogBus bus;
    std::unique_ptr<millrace::Session> session =
        openRunningSession(workspaceDir.filePath(QStringLiteral("millrace/default")));
    QVERIFY(session);
    MainWindow window(&bus);
    const QSize size(1200, 780);
    window.resize(size);
    {
        // The offscreen platform warns that it cannot propagate size hints; that line is about
        // the test's platform, not the app, so keep it out of the pictured log dock.
        QLoggingCategory::setFilterRules(QStringLiteral("default.warning=false"));
        const auto restore = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
    }
    window.attachSession(*session);
    QTRY_VERIFY(schedulerAction(window)->isEnabled());
    auto *view = child<QTableView>(window, "logView");
    QTRY_VERIFY(rowContaining(view->model(), QStringLiteral("window attached to")) >= 0);

    auto shoot = [&](const QString &name) {
        const QImage image = window.grab().toImage();
        const QString path = dir.filePath(name);
        QVERIFY2(image.save(path), qPrintable(path));
        const QImage saved(path);
        QVERIFY2(!saved.isNull(), qPrintable(path));
        QCOMPARE(saved.size(), size);
        QVERIFY2(!isBlank(saved), qPrintable(path));
    };

    for (int row = 0; row < kPanelNames.size(); ++row) {
        clickPanel(window, row);
        QCOMPARE(panelStack(window)->currentWidget()->objectName(),
                 panelObjectName(kPanelNames.at(row)));
        // A built panel's own GUI test takes its picture, with data in it.
        if (kBuiltPanels.contains(kPanelNames.at(row)))
            continue;
        shoot(QStringLiteral("panel-%1.png").arg(kPanelNames.at(row).toLower()));
        if (QTest::currentTestFailed())
            return;
    }
    clickPanel(window, 0);
    shoot(QStringLiteral("mainwindow.png"));
    if (QTest::currentTestFailed())
        return;

    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("mainwindow.png"))).size() > 0);

    window.detachSession();
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

#pragma once

// Fixtures the GUI tests share: finding widgets by objectName, settings kept in a temporary
// folder, a workspace opened as the app opens it, and the main window shown on the Experiments
// panel. Header-only; the helpers that check use QVERIFY/QCOMPARE, so they report a failure
// and return early, and the caller sees it through QTest::currentTestFailed().

#include "core/tracking/trackingstore.h"
#include "core/workspace/session.h"
#include "testsupport/verify.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QCoreApplication>
#include <QDebug>
#include <QListWidget>
#include <QLoggingCategory>
#include <QMenu>
#include <QObject>
#include <QScopeGuard>
#include <QSettings>
#include <QSize>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QWidget>

#include <memory>

namespace millrace::testing {

/// The Experiments entry's row in the main window's sidebar ("panelList").
constexpr int kExperimentsRow = 2;

/// The child of `parent` of type T with objectName `name`, or nullptr.
template <typename T> T *child(const QObject &parent, const char *name)
{
    return parent.findChild<T *>(QLatin1String(name));
}

/// For initTestCase: test-mode standard paths, and QSettings as an ini file in `settingsDir` under
/// the organisation "MillraceTest" and `applicationName`, so a test never reads or writes the
/// user's settings. The app keeps running when its last window closes.
inline void useTestSettings(const QTemporaryDir &settingsDir, const QString &applicationName)
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(settingsDir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("MillraceTest"));
    QCoreApplication::setApplicationName(applicationName);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir.path());
    QApplication::setQuitOnLastWindowClosed(false);
}

/// A workspace in a temporary folder, opened as the app opens it (the tracking server off unless
/// asked for, then on a free port).
struct OpenWorkspace
{
    QTemporaryDir dir;
    std::unique_ptr<Session> session;

    bool open(bool trackingServer = false)
    {
        if (!dir.isValid())
            return false;
        SessionOptions options;
        options.trackingServer = trackingServer;
        options.trackingPort = 0;
        auto opened = Session::open(dir.filePath(QStringLiteral("workspace")), options);
        if (!opened) {
            qWarning().noquote() << opened.errorMessage();
            return false;
        }
        session = std::move(opened).value();
        return true;
    }
    tracking::TrackingStore &tracking() const { return session->tracking(); }
};

/// Resizes `window` and shows it, waiting until it is exposed. The offscreen platform's warning
/// that it cannot propagate size hints (not the app's doing) is silenced while it shows.
inline void showWindow(QWidget &window, QSize size)
{
    window.resize(size);
    QLoggingCategory::setFilterRules(QStringLiteral("default.warning=false"));
    const auto restore = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
}

/// Clicks the Experiments entry in the sidebar of `window` where a user would: in its middle.
inline void clickExperiments(const ui::MainWindow &window)
{
    auto *list = child<QListWidget>(window, "panelList");
    QVERIFY(list);
    QCOMPARE(list->item(kExperimentsRow)->text(), QStringLiteral("Experiments"));
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(kExperimentsRow)).center());
}

/// Shows `window` as a user would see it, attaches `session` and opens the Experiments panel by
/// clicking it in the sidebar.
inline void showExperiments(ui::MainWindow &window, Session &session, QSize size = {1200, 780})
{
    showWindow(window, size);
    if (QTest::currentTestFailed())
        return;
    window.attachSession(session);
    clickExperiments(window);
    if (QTest::currentTestFailed())
        return;
    auto *stack = child<QStackedWidget>(window, "panelStack");
    QCOMPARE(stack->currentWidget()->objectName(), QStringLiteral("experimentsPanel"));
}

/// The run names (column 0) under `parent` of the run table, in the order shown.
inline QStringList shownNames(const QAbstractItemView *view, const QModelIndex &parent = {})
{
    QStringList names;
    const QAbstractItemModel *model = view->model();
    for (int row = 0; row < model->rowCount(parent); ++row)
        names.append(model->index(row, ui::RunTableModel::NameColumn, parent).data().toString());
    return names;
}

/// The run table's column named `key` in the search syntax ("metrics.acc"), or -1.
inline int columnOf(const QAbstractItemView *view, const QString &key)
{
    const QAbstractItemModel *model = view->model();
    for (int column = 0; column < model->columnCount(); ++column) {
        if (model->headerData(column, Qt::Horizontal, ui::RunTableModel::ColumnKeyRole).toString()
            == key)
            return column;
    }
    return -1;
}

/// Opens `button`'s menu as a user would and triggers the entry reading `text`.
inline bool chooseFromMenu(QObject *context, QToolButton *button, const QString &text)
{
    bool chosen = false;
    QTimer::singleShot(0, context, [&] {
        QMenu *menu = button->menu();
        for (QAction *action : menu->actions()) {
            if (action->text() == text && action->isEnabled()) {
                action->trigger();
                chosen = true;
                break;
            }
        }
        menu->close();
    });
    QTest::mouseClick(button, Qt::LeftButton);
    return QTest::qWaitFor([&] { return chosen; });
}

} // namespace millrace::testing

#pragma once

#include <QMainWindow>
#include <QPointer>

QT_BEGIN_NAMESPACE
class QLabel;
class QListWidget;
class QStackedWidget;
QT_END_NAMESPACE

namespace millrace {
class LogBus;
class SchedulerSwitch;
class Session;
} // namespace millrace

namespace millrace::ui {

class ExperimentsPanel;
class JobsPanel;
class LogDock;
class RegistryPanel;
class ServingPanel;
class StreamsPanel;
class RunActions;
class DemoSpeedToggle;
class SchedulerToggle;

/// Millrace's main window: a sidebar of panels (Streams, Jobs, Experiments, Registry, Serving),
/// the toolbar with Start/Pause scheduled updates, a status bar with workspace, broker and
/// serving state, and the log dock. It only assembles; each panel is its own widget. The window
/// comes up before a workspace is open and is filled in by attachSession(). It draws with the
/// desktop's palette (light or dark) and follows it when it changes.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `logBus` feeds the log dock; may be null (tests).
    explicit MainWindow(LogBus *logBus = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Shows that `root` is being opened.
    void showOpening(const QString &root);
    /// Connects the window to an open workspace; `session` must outlive detachSession().
    void attachSession(Session &session);
    /// Lets go of the session's services, before the session closes.
    void detachSession();

    /// Shows the panel at `index` in the sidebar order.
    void showPanel(int index);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void addPanel(const QString &name, const QString &iconFile, QWidget *panel);
    void createStatusBar();
    void createMenus();
    void showPlugins();
    /// Opens the Train dialog (made once per session; closing only hides it).
    void showTrainDialog();
    /// Opens an Export to ONNX dialog for a registered version.
    void showOnnxExportDialog(const QString &modelName, qint64 version);
    /// Switches to the Experiments panel and shows `runIds` there (compared, with `compare`).
    void revealRuns(const QStringList &experimentIds, const QStringList &runIds, bool compare);
    /// Switches to the Registry panel and shows the registered model `name`.
    void revealModel(const QString &name);
    void restoreLayout();
    void saveLayout() const;

    QListWidget *m_panelList;
    QStackedWidget *m_panelStack;
    LogDock *m_logDock;
    ExperimentsPanel *m_experimentsPanel;
    RegistryPanel *m_registryPanel;
    StreamsPanel *m_streamsPanel;
    JobsPanel *m_jobsPanel;
    ServingPanel *m_servingPanel;
    RunActions *m_runActions; ///< the Experiments panel's, for Register Model…
    SchedulerToggle *m_schedulerToggle = nullptr;
    DemoSpeedToggle *m_demoSpeedToggle = nullptr;
    QPointer<SchedulerSwitch> m_schedulerSwitch;
    QPointer<SchedulerSwitch> m_demoSpeedSwitch;
    Session *m_session = nullptr;
    QAction *m_pluginsAction = nullptr;
    QAction *m_trainAction = nullptr;
    QLabel *m_workspaceLabel = nullptr;
    QLabel *m_brokerLabel = nullptr;
    QLabel *m_servingLabel = nullptr;
    QLabel *m_schedulerLabel = nullptr;
};

} // namespace millrace::ui
